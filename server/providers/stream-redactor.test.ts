import { describe, expect, it } from 'vitest';
import { StreamRedactor } from './stream-redactor.ts';

const KEY = 'local-secret-0123456789';

function streamed(pieces: string[], secrets = [KEY]): { released: string[]; text: string } {
  const redactor = new StreamRedactor(secrets);
  const released = pieces.map((piece) => redactor.push(piece));
  released.push(redactor.flush());
  return { released, text: released.join('') };
}

describe('StreamRedactor', () => {
  it('redacts a configured key split across chunks at every possible point, never releasing a part of it', () => {
    const text = `the key is ${KEY}, again ${KEY}${KEY} end`;
    for (let cut = 1; cut < text.length; cut++) {
      for (let second = cut + 1; second <= text.length; second += 3) {
        const result = streamed([text.slice(0, cut), text.slice(cut, second), text.slice(second)]);
        expect(result.text, `${cut}/${second}`).toBe('the key is [redacted], again [redacted][redacted] end');
        for (const piece of result.released) expect(/local-secret-0/.test(piece), `${cut}/${second}: ${piece}`).toBe(false);
      }
    }
  });

  it('holds back only what could start a key, and leaves text shaped like a key alone', () => {
    expect(streamed(['Hello wor', 'ld, loc', 'al news']).released).toEqual(['Hello wor', 'ld, ', 'local news', '']);
    expect(streamed(['use sk-learn with Bearer tokens']).text).toBe('use sk-learn with Bearer tokens');
    expect(streamed(['no keys ', 'configured'], []).released).toEqual(['no keys ', 'configured', '']);
  });
});
