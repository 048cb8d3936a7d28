import { Tiktoken } from 'js-tiktoken/lite';
import cl100kBase from 'js-tiktoken/ranks/cl100k_base';
import o200kBase from 'js-tiktoken/ranks/o200k_base';
import { describe, expect, it } from 'vitest';
import { BytePairEncoding } from './byte-pair-encoding.ts';

const SAMPLES = [
  'ok',
  'Hello world',
  'The quick brown fox jumps over the lazy dog.',
  'a <|endoftext|> b <|endofprompt|>',
  'ünïcödé 日本語のテキスト 🎉🎉 emoji',
  '  spaces\n\n\ttabs\r\nCRLF  ',
  'function f(x) { return x ** 2 + 1_000; }',
  '{"outcome":{"status":"answer","value":"x"}}',
  'Ωμέγα Привет мир مرحبا بالعالم',
  "1234567890 3.14159 it's they're I'll we'd",
  'a'.repeat(300),
  '\u0000\u0001\u00ff',
  '😀'.repeat(20),
];

describe('BytePairEncoding', () => {
  for (const [name, table] of [['o200k', o200kBase], ['cl100k', cl100kBase]] as const) {
    it(`gives js-tiktoken's tokens for ${name}, and its tokens join back into the text`, () => {
      const ours = new BytePairEncoding(table);
      const reference = new Tiktoken(table);
      for (const text of SAMPLES) {
        // Each reference token's bytes (js-tiktoken keeps them in `textMap`), as latin1 strings.
        const textMap = (reference as unknown as { textMap: Map<number, Uint8Array> }).textMap;
        const expected = reference.encode(text, [], []).map((token) => Buffer.from(textMap.get(token)!).toString('latin1'));
        expect(ours.tokens(text), text).toEqual(expected);
        expect(ours.count(text), text).toBe(expected.length);
        expect(Buffer.from(ours.tokens(text).join(''), 'latin1').toString('utf8'), text).toBe(text);
      }
    });
  }

  it('builds in slices, and a count before the build is done finishes it', () => {
    const encoding = new BytePairEncoding(o200kBase);
    expect(encoding.buildSlice(1_000)).toBe(true);
    expect(encoding.built).toBe(false);
    expect(encoding.count('Hello world')).toBe(2);
    expect(encoding.built).toBe(true);
    expect(encoding.buildSlice()).toBe(false);
  });
});
