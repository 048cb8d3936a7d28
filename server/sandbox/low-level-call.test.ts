import { beforeAll, describe, expect, it } from 'vitest';
import { createRealm, disposeRealm, type GuestRealm } from './guest-realm.ts';
import { loadEngine, type Engine } from './load-engine.ts';
import { runInRealm, type GuestJob, type GuestRun } from './run-guest.ts';
import { DEFAULT_SANDBOX_LIMITS } from './sandbox-limits.ts';
import type { SandboxLimits } from './sandbox-types.ts';

/**
 * The prelude's `run` called through the library's FFI functions (low-level-call.ts) must answer
 * exactly as the handle API does, free everything it makes, and be in use with the installed
 * quickjs-emscripten.
 */

let engine: Engine;

beforeAll(async () => {
  engine = await loadEngine(DEFAULT_SANDBOX_LIMITS.memoryBytes);
});

function job(source: string, inputsJson: string, limits: Partial<SandboxLimits> = {}): GuestJob {
  return { source, language: 'javascript', inputsJson, limits: { ...DEFAULT_SANDBOX_LIMITS, ...limits }, isCancelled: () => false, randomSeed: 42 };
}

/** A realm whose calls go through the handle API, as with a library that lacks the internals. */
function handleApiRealm(): GuestRealm {
  const realm = createRealm(engine, { guards: true });
  realm.caller?.dispose();
  realm.caller = undefined;
  return realm;
}

function comparable(run: GuestRun): unknown {
  return { outcome: run.outcome, logs: run.logs, logsTruncated: run.logsTruncated, logsDropped: run.logsDropped, retire: run.retire };
}

const longText = 'é€😀x'.repeat(2000);
const CASES: Array<[string, GuestJob]> = [
  ['a trivial step', job('export default (inputs) => ({ value: inputs.value })', '{"value":"hello"}')],
  ['non-ASCII text both ways', job('export default (inputs) => ({ back: inputs.text + "ü", n: [1, { a: "€" }] })', '{"text":"héllo 😀"}')],
  ['inputs larger than the realm buffer', job('export default (inputs) => ({ length: inputs.text.length })', JSON.stringify({ text: longText }))],
  ['an async step', job('export default async (inputs) => ({ value: await Promise.resolve(inputs.value) })', '{"value":1}')],
  ['a step that throws', job('export default () => { throw new TypeError("nope") }', '{}')],
  ['a step that returns no object', job('export default () => 42', '{}')],
  ['console lines', job('export default (inputs) => { console.log("a", inputs); console.warn("b"); return {} }', '{"x":1}')],
  ['outputs over the limit', job('export default () => ({ big: "x".repeat(2048) })', '{}', { outputBytes: 1024 })],
  ['Math.random from the seed', job('export default () => ({ r: Math.random() })', '{}')],
  ['a loop stopped by the clock', job('export default () => { for (;;) {} }', '{}', { timeoutMs: 20 })],
];

describe('run called through the FFI functions', () => {
  it('is what the realm uses with the installed quickjs-emscripten', () => {
    const realm = createRealm(engine);
    try {
      expect(realm.caller).toBeDefined();
    } finally {
      disposeRealm(realm);
    }
  });

  it.each(CASES)('answers %s as the handle API does', (_name, given) => {
    const fast = createRealm(engine, { guards: true });
    const slow = handleApiRealm();
    try {
      expect(fast.caller).toBeDefined();
      const expected = comparable(runInRealm(slow, given));
      expect(comparable(runInRealm(fast, given))).toEqual(expected);
    } finally {
      disposeRealm(fast);
      disposeRealm(slow);
    }
  });

  it('frees what it makes: thousands of calls leave the engine memory as it was', () => {
    const realm = createRealm(engine, { guards: true });
    try {
      const big = job('export default (inputs) => ({ n: inputs.text.length })', JSON.stringify({ text: 'x'.repeat(20_000) }));
      const small = job('export default (inputs) => ({ v: inputs.v })', '{"v":"hello"}');
      const asynchronous = job('export default async (inputs) => ({ v: inputs.v })', '{"v":"hello"}');
      for (let index = 0; index < 50; index += 1) runInRealm(realm, big);
      const before = engine.memorySize();
      for (let index = 0; index < 3000; index += 1) {
        for (const given of [big, small, asynchronous]) expect(runInRealm(realm, given).retire).toBeUndefined();
      }
      expect(engine.memorySize()).toBe(before);
    } finally {
      disposeRealm(realm);
    }
  });
});
