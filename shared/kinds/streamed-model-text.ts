/**
 * What a model step's streamed text shows while it arrives. A plain-text reply is shown as it is.
 * A JSON reply comes in the wire format `server/executors/model/wire-format.ts` asks for: the
 * result object itself, `{"value": …}` around a result that is not an object, or
 * `{"outcome": {"status": "answer", "value": …}}` when the step may answer "unsure". The canvas shows
 * the value being built, not that wrapper: the text so far is read with a tolerant parser
 * (`partial-json`, which closes open strings, arrays and objects) and the value is taken out of it.
 * Pure and browser-safe: the wire format module (which imports server code) stays on the server.
 */
import { Allow, parse } from 'partial-json';
import type { ModelConfig } from './model.ts';

/** Longer replies are shown as they came (their tail): reading them again on every delta costs too much. */
export const PRESENT_LIMIT_CHARS = 100_000;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readPartial(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: parse(text, Allow.ALL) as unknown };
  } catch {
    return { ok: false }; // not JSON at all (a model that ignored the format): shown as it came
  }
}

function show(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

/** The answer in a model step's streamed text so far, as a person reads it. */
export function presentModelText(config: ModelConfig, text: string): string {
  const json = config.output?.type === 'json';
  if (!json && !config.allowUnsure) return text;
  if (text.length > PRESENT_LIMIT_CHARS) return text;
  const read = readPartial(text);
  if (!read.ok) return text;
  if (!isObject(read.value)) return show(read.value);
  if (config.allowUnsure) {
    const outcome = read.value.outcome;
    if (!isObject(outcome)) return '';
    if (outcome.status === 'unsure') return typeof outcome.reason === 'string' ? `Unsure: ${outcome.reason}` : 'Unsure';
    return Object.hasOwn(outcome, 'value') ? show(outcome.value) : '';
  }
  const objectRoot = config.output?.type === 'json' && config.output.schema.type === 'object';
  if (objectRoot) return show(read.value);
  return Object.hasOwn(read.value, 'value') ? show(read.value.value) : '';
}
