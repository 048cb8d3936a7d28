/**
 * Token counting as OpenAI's tokenizers count. The rank tables ship inside js-tiktoken
 * (`js-tiktoken/ranks/*`): nothing is downloaded at run time. The encoding itself is
 * byte-pair-encoding.ts (the same tokens as js-tiktoken, quicker to build and to count).
 *
 * Building a table takes a moment (o200k: a few hundred ms), so `warmTokenizers` builds the one
 * current models use in slices at start-up, between other work, instead of in the first model
 * step; anything counted before it is done finishes the build there and then.
 */
import cl100kBase from 'js-tiktoken/ranks/cl100k_base';
import o200kBase from 'js-tiktoken/ranks/o200k_base';
import { BytePairEncoding } from './byte-pair-encoding.ts';

export type EncodingName = 'o200k_base' | 'cl100k_base';

const RANKS = { o200k_base: o200kBase, cl100k_base: cl100kBase } as const;
const encodings = new Map<EncodingName, BytePairEncoding>();

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

function encoding(name: EncodingName): BytePairEncoding {
  let found = encodings.get(name);
  if (!found) {
    found = new BytePairEncoding(RANKS[name]);
    encodings.set(name, found);
  }
  return found;
}

/** Model name -> its encoding: counted on every streamed delta, so the name is matched once. */
const byModel = new Map<string, BytePairEncoding>();
const MAX_REMEMBERED_MODELS = 256;

export function encodingFor(model: string): BytePairEncoding {
  let found = byModel.get(model);
  if (found === undefined) {
    found = encoding(encodingForModel(model));
    if (byModel.size >= MAX_REMEMBERED_MODELS) byModel.clear();
    byModel.set(model, found);
  }
  return found;
}

/**
 * Builds o200k (every current model's encoding) a slice at a time, yielding to the event loop
 * between slices. Resolves when it is built.
 */
export async function warmTokenizers(names: EncodingName[] = ['o200k_base']): Promise<void> {
  for (const name of names) {
    const target = encoding(name);
    while (target.buildSlice()) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

let warming: Promise<void> | undefined;

/** Starts warmTokenizers once per process (the tables are shared by every model service). */
export function warmTokenizersOnce(): Promise<void> {
  return (warming ??= warmTokenizers());
}

/** Special-token text such as `<|endoftext|>` in user input is counted as plain text, never refused. */
export function countTokens(model: string, text: string): number {
  return text === '' ? 0 : encodingFor(model).count(text);
}

/** The first `maxTokens` tokens of a text, for cutting a reply where a token cap would. */
export function truncateToTokens(model: string, text: string, maxTokens: number): { text: string; truncated: boolean } {
  const tokens = encodingFor(model).tokens(text);
  if (tokens.length <= maxTokens) return { text, truncated: false };
  return { text: Buffer.from(tokens.slice(0, maxTokens).join(''), 'latin1').toString('utf8'), truncated: true };
}
