import { describe, expect, it } from 'vitest';
import { ConsoleCapture, cutToBytes } from './console-capture.ts';

describe('ConsoleCapture', () => {
  it('keeps lines within the budget, counting one byte per line break', () => {
    const capture = new ConsoleCapture(10);
    capture.write('log', 'abcd', false);
    capture.write('warn', 'efgh', false);
    expect(capture.lines).toEqual([
      { level: 'log', text: 'abcd' },
      { level: 'warn', text: 'efgh' },
    ]);
    expect(capture.truncated).toBe(false);
    capture.write('log', 'more', false);
    expect(capture.truncated).toBe(true);
    capture.write('log', 'x', false);
    expect(capture.lines).toHaveLength(2);
  });

  it('cuts the line that crosses the budget and records the cut', () => {
    const capture = new ConsoleCapture(8);
    capture.write('error', 'abcdefghijk', false);
    expect(capture.lines).toEqual([{ level: 'error', text: 'abcdefg' }]);
    expect(capture.truncated).toBe(true);
  });

  it('believes the sandbox when it says it cut text', () => {
    const capture = new ConsoleCapture(100);
    capture.write('log', 'partial', true);
    capture.write('log', '', true);
    expect(capture.lines).toEqual([{ level: 'log', text: 'partial' }]);
    expect(capture.truncated).toBe(true);
  });

  it('keeps nothing with a zero budget', () => {
    const capture = new ConsoleCapture(0);
    capture.write('log', 'a', false);
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
