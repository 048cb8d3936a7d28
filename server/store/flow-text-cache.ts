/**
 * From a stored flow text to what FlowsRepository.get returns, for both flows stores (the flows
 * directory, flows-store.ts, and PostgreSQL, postgres/flows-repository-postgres.ts): the text is
 * validated (schema migrations run on load), its id must be the one asked for, and an invalid text
 * that parses as a JSON object comes back as `document` so an editor can open it.
 *
 * The result is remembered per flow, keyed by the text itself: a read whose text equals the last
 * valid read's returns the same Flow object without validating, hashing or compiling it again
 * (the engine caches plans and hashes by flow object). Any other text, from a save or an edit
 * outside Weft, is validated afresh, so the cache never serves a stale flow. The shared object is
 * read-only by convention: many runs may be running it at once.
 */
import { flowHash } from '../../shared/canonical.ts';
import { parseJsonText } from '../../shared/json-text.ts';
import { validateFlowText } from '../../shared/validate.ts';
import type { FlowReadResult } from './flows-store.ts';

type ValidFlow = Extract<FlowReadResult, { status: 'ok' }>;

/** Flows whose parse is remembered; past this the least recently read is forgotten. */
const CACHED_FLOWS = 256;

export class FlowTextCache {
  readonly #parsed = new Map<string, { text: string; result: ValidFlow }>();
  readonly #savedAs: (id: string) => string;

  /** `savedAs` names where a flow is kept, for the message when its id differs (`the file is named "x.flow.json"`). */
  constructor(savedAs: (id: string) => string) {
    this.#savedAs = savedAs;
  }

  read(id: string, text: string): FlowReadResult {
    const cached = this.#parsed.get(id);
    this.#parsed.delete(id);
    if (cached?.text === text) {
      this.#parsed.set(id, cached);
      return cached.result;
    }
    const result = validateFlowText(text);
    if (!result.ok) return { status: 'invalid', problems: result.problems, ...documentOf(text) };
    if (result.flow.id !== id) {
      return { status: 'invalid', problems: [{ rule: 'bad-id', path: 'id', message: `${this.#savedAs(id)} but its id is "${result.flow.id}"` }], ...documentOf(text) };
    }
    const valid: ValidFlow = { status: 'ok', flow: result.flow, hash: flowHash(result.flow) };
    this.#parsed.set(id, { text, result: valid });
    if (this.#parsed.size > CACHED_FLOWS) this.#parsed.delete(this.#parsed.keys().next().value!);
    return valid;
  }

  forget(id: string): void {
    this.#parsed.delete(id);
  }
}

function documentOf(text: string): { document?: Record<string, unknown> } {
  const json = parseJsonText(text);
  return json.ok && typeof json.value === 'object' && json.value !== null && !Array.isArray(json.value) ? { document: json.value as Record<string, unknown> } : {};
}
