import { describe, expect, it } from 'vitest';
import { createRedactor } from './redact.ts';
import { StreamRedactor } from './stream-redactor.ts';

const KEY = 'local-secret-0123456789';

function streamed(pieces: string[]): { released: string[]; text: string } {
  const redactor = new StreamRedactor([KEY], createRedactor([KEY]));
  const released = pieces.map((piece) => redactor.push(piece));
  released.push(redactor.flush());
  return { released, text: released.join('') };
}

describe('StreamRedactor', () => {
  it('redacts a configured key split across chunks at every possible point', () => {
    const text = `the key is ${KEY}, keep it`;
    for (let cut = 1; cut < text.length; cut++) {
      for (let second = cut + 1; second <= text.length; second += 3) {
        const result = streamed([text.slice(0, cut), text.slice(cut, second), text.slice(second)]);
        expect(result.text, `${cut}/${second}`).toBe('the key is [redacted], keep it');
        for (const piece of result.released) expect(piece.includes(KEY.slice(0, 12)), `${cut}/${second}`).toBe(false);
      }
    }
  });

  it('redacts key-shaped and bearer tokens split across chunks', () => {
    expect(streamed(['Authorization: Bea', 'rer abc', '.def ok']).text).toBe('Authorization: Bearer [redacted] ok');
    expect(streamed(['key sk-pr', 'oj-abcdef', 'ghij end']).text).toBe('key [redacted] end');
  });

  it('releases ordinary text word by word and everything at the end', () => {
    const result = streamed(['Hello wor', 'ld, this is ', 'fine']);
    expect(result.released).toEqual(['Hello ', 'world, this is ', '', 'fine']);
  });
});
