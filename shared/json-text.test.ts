import { describe, expect, it } from 'vitest';
import { lineAndColumn, parseJsonText } from './json-text.ts';

describe('parseJsonText', () => {
  it('parses good JSON', () => {
    expect(parseJsonText('{"a": [1, "b"]}')).toEqual({ ok: true, value: { a: [1, 'b'] } });
  });

  it('reports a missing comma at the line and column where the next key starts', () => {
    const text = '{\n  "a": 1,\n  "b": 2,\n  "c": 3\n  "d": 4\n}';
    expect(parseJsonText(text)).toMatchObject({ ok: false, line: 5, column: 3 });
    const result = parseJsonText(text);
    expect(!result.ok && result.message).toBe('not valid JSON at line 5, column 3: expected "," or "}" after a property value, found \'"\'');
  });

  it('reports a bad control character inside a string at its place', () => {
    expect(parseJsonText('{\n  "a": "x\ty"\n}')).toMatchObject({ ok: false, line: 2, column: 10 });
  });

  it('reports an empty text at line 1, column 1', () => {
    expect(parseJsonText('')).toMatchObject({ ok: false, line: 1, column: 1 });
  });

  it('says where trailing text starts, without repeating the offset in the message', () => {
    const result = parseJsonText('{"a": 1}\n// comment');
    expect(result).toMatchObject({ ok: false, line: 2, column: 1 });
    expect(!result.ok && result.message).not.toMatch(/position \d+/);
  });

  it('reports an unexpected letter on the line where it is, not at the end of the text', () => {
    const text = '{\n  "a": undefined,\n  "b": 1,\n  "c": 2\n}\n';
    expect(parseJsonText(text)).toMatchObject({ ok: false, line: 2, column: 8 });
  });

  it('turns offsets into 1-based lines and columns', () => {
    const text = 'ab\ncd\n\nef';
    expect(lineAndColumn(text, 0)).toEqual({ line: 1, column: 1 });
    expect(lineAndColumn(text, 2)).toEqual({ line: 1, column: 3 });
    expect(lineAndColumn(text, 3)).toEqual({ line: 2, column: 1 });
    expect(lineAndColumn(text, 7)).toEqual({ line: 4, column: 1 });
    expect(lineAndColumn(text, 9)).toEqual({ line: 4, column: 3 });
  });
});
