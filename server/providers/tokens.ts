/**
 * Token counting as OpenAI's tokenizers count, with js-tiktoken. The rank tables ship inside the
 * package (`js-tiktoken/ranks/*`): nothing is downloaded at run time. Encoders are built on first
 * use (parsing a rank table takes a moment) and cached.
 */
import { Tiktoken } from 'js-tiktoken/lite';
import cl100kBase from 'js-tiktoken/ranks/cl100k_base';
import o200kBase from 'js-tiktoken/ranks/o200k_base';

export type EncodingName = 'o200k_base' | 'cl100k_base';

const RANKS = { o200k_base: o200kBase, cl100k_base: cl100kBase } as const;
const encoders = new Map<EncodingName, Tiktoken>();

/** gpt-3.5 and gpt-4 (not gpt-4o or gpt-4.1) use cl100k; everything newer and every unknown model is counted with o200k. */
const LEGACY_MODEL = /^(gpt-3\.5|gpt-4(?![o.])|text-embedding-(ada|3))/;

/**
 * The encoding used for a model. Unknown models (Llama, Mistral ... behind an OpenAI-compatible
 * server) are approximated with o200k: close enough for budgets, which carry a worst case anyway.
 */
export function encodingForModel(model: string): EncodingName {
  const name = model.slice(model.lastIndexOf('/') + 1);
  return LEGACY_MODEL.test(name) ? 'cl100k_base' : 'o200k_base';
}

export function encoderFor(model: string): Tiktoken {
  const name = encodingForModel(model);
  let encoder = encoders.get(name);
  if (!encoder) {
    encoder = new Tiktoken(RANKS[name]);
    encoders.set(name, encoder);
  }
  return encoder;
}

/** Special-token text such as `<|endoftext|>` in user input is counted as plain text, never refused. */
export function encodeText(model: string, text: string): number[] {
  return encoderFor(model).encode(text, [], []);
}

export function countTokens(model: string, text: string): number {
  return text === '' ? 0 : encodeText(model, text).length;
}

/** The first `maxTokens` tokens of a text, for cutting a reply where a token cap would. */
export function truncateToTokens(model: string, text: string, maxTokens: number): { text: string; truncated: boolean } {
  const tokens = encodeText(model, text);
  if (tokens.length <= maxTokens) return { text, truncated: false };
  return { text: encoderFor(model).decode(tokens.slice(0, maxTokens)), truncated: true };
}
