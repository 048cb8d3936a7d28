import { describe, expect, it } from 'vitest';
import { ConsoleCapture, cutToBytes } from './console-capture.ts';

describe('ConsoleCapture', () => {
  it('keeps lines within the budget, counting one byte per line break, and counts what it drops', () => {
    const capture = new ConsoleCapture(10, 100);
    capture.write('log', 'abcd');
    capture.write('warn', 'efgh');
    expect(capture.lines).toEqual([
      { level: 'log', text: 'abcd' },
      { level: 'warn', text: 'efgh' },
    ]);
    expect(capture.truncated).toBe(false);
    capture.write('log', 'more');
    expect(capture.truncated).toBe(true);
    capture.write('log', 'x');
    expect(capture.lines).toHaveLength(2);
    expect({ lines: capture.droppedLines, bytes: capture.droppedBytes }).toEqual({ lines: 2, bytes: 5 });
  });

  it('cuts the line that crosses the budget and counts the cut-off end', () => {
    const capture = new ConsoleCapture(8, 100);
    capture.write('error', 'abcdefghijk');
    expect(capture.lines).toEqual([{ level: 'error', text: 'abcdefg' }]);
    expect(capture.truncated).toBe(true);
    expect({ lines: capture.droppedLines, bytes: capture.droppedBytes }).toEqual({ lines: 0, bytes: 4 });
  });

  it('keeps at most its number of lines, however short', () => {
    const capture = new ConsoleCapture(1000, 3);
    for (let index = 0; index < 10; index++) capture.write('log', '');
    expect(capture.lines).toHaveLength(3);
    expect({ lines: capture.droppedLines, bytes: capture.droppedBytes }).toEqual({ lines: 7, bytes: 0 });
  });

  it('adds up what the sandbox says it left out, and keeps nothing after a line the sandbox cut', () => {
    const capture = new ConsoleCapture(100, 100);
    capture.write('log', 'partial', 10);
    capture.addDropped(1, 20);
    capture.write('log', 'late');
    expect(capture.lines).toEqual([{ level: 'log', text: 'partial' }]);
    expect({ lines: capture.droppedLines, bytes: capture.droppedBytes }).toEqual({ lines: 2, bytes: 34 });
  });

  it('keeps nothing with a zero budget', () => {
    const capture = new ConsoleCapture(0, 100);
    capture.write('log', 'a');
    expect(capture.lines).toEqual([]);
    expect(capture.truncated).toBe(true);
  });
});

describe('cutToBytes', () => {
  it('never splits a character', () => {
    expect(cutToBytes('€€€', 7)).toBe('€€');
    expect(cutToBytes('a👋b', 4)).toBe('a');
    expect(cutToBytes('a👋b', 5)).toBe('a👋');
    expect(cutToBytes('plain', 10)).toBe('plain');
  });
});
