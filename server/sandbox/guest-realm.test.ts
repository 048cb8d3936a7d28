import { beforeAll, describe, expect, it } from 'vitest';
import { createRealm, disposeRealm, type GuestRealm } from './guest-realm.ts';
import { loadEngine, type Engine } from './load-engine.ts';
import { runInRealm, type GuestJob, type GuestRun } from './run-guest.ts';
import { DEFAULT_SANDBOX_LIMITS } from './sandbox-limits.ts';
import type { SandboxLimits } from './sandbox-types.ts';

/**
 * Realms prepared ahead of their call (guest-realm.ts), driven the way worker-main.ts
 * drives them: run a call, dispose its realm, prepare the next in the same engine.
 */

const SMALL_MEMORY = 12 * 1024 * 1024;
let engine: Engine;
let smallEngine: Engine;

beforeAll(async () => {
  [engine, smallEngine] = await Promise.all([loadEngine(DEFAULT_SANDBOX_LIMITS.memoryBytes), loadEngine(SMALL_MEMORY)]);
});

function job(source: string, limits: Partial<SandboxLimits> = {}): GuestJob {
  return { source, language: 'javascript', inputsJson: '{"x":1}', limits: { ...DEFAULT_SANDBOX_LIMITS, ...limits }, isCancelled: () => false };
}

/** Runs `source` in `realm` and disposes it, as the worker does after answering. */
function runAndDispose(realm: GuestRealm, source: string, limits?: Partial<SandboxLimits>): GuestRun {
  const run = runInRealm(() => realm, job(source, limits));
  expect(run.poisoned).toBe(false);
  expect(disposeRealm(realm)).toBe(true);
  return run;
}

function outputsOf(run: GuestRun): unknown {
  if (!run.outcome.ok) throw new Error(`expected outputs, got: ${run.outcome.error.message}`);
  return JSON.parse(run.outcome.outputsJson);
}

const DIRTY = `globalThis.leaked = 1; Array.prototype.sum = function () { return 1 };
  Object.prototype.polluted = true; JSON.stringify = () => '"hijacked"'; console.log = () => {};
  Object.defineProperty(globalThis, 'console', { value: null }); Function.prototype.call = null;
  export default () => ({ done: true })`;
const CHECK = `export default () => { console.log('clean'); return {
  leaked: typeof globalThis.leaked, sum: typeof [].sum, polluted: ({}).polluted, json: JSON.stringify({ a: 1 }),
  call: typeof Function.prototype.call } }`;
const CLEAN = { leaked: 'undefined', sum: 'undefined', json: '{"a":1}', call: 'function' };

describe('a realm prepared ahead of its call', () => {
  it('shows nothing of the previous call, prepared after it as the worker does', () => {
    expect(outputsOf(runAndDispose(createRealm(engine), DIRTY))).toEqual({ done: true });
    const checked = runAndDispose(createRealm(engine), CHECK);
    expect(outputsOf(checked)).toEqual(CLEAN);
    expect(checked.logs).toEqual([{ level: 'log', text: 'clean' }]);
  });

  it('shows nothing of a call that ran while it was waiting', () => {
    const waiting = createRealm(engine);
    expect(outputsOf(runAndDispose(createRealm(engine), DIRTY))).toEqual({ done: true });
    expect(outputsOf(runAndDispose(waiting, CHECK))).toEqual(CLEAN);
  });

  it('is never given to a second call', () => {
    const realm = createRealm(engine);
    expect(outputsOf(runInRealm(() => realm, job('export default (i) => ({ y: i.x })')))).toEqual({ y: 1 });
    const again = runInRealm(() => realm, job(CHECK));
    expect(again.outcome.ok).toBe(false);
    expect(again.poisoned).toBe(true);
    expect(disposeRealm(realm)).toBe(true);
  });

  it('is not taken by a call whose source does not transpile', () => {
    let taken = false;
    const run = runInRealm(() => {
      taken = true;
      return createRealm(engine);
    }, { ...job('const a: = 1'), language: 'typescript' });
    expect(run.outcome.ok).toBe(false);
    expect(taken).toBe(false);
    expect(run.realm).toBeUndefined();
  });

  it('starts the clock when the call starts, not when the realm was made', () => {
    const realm = createRealm(engine);
    const until = performance.now() + 150;
    while (performance.now() < until) {
      // The realm waits longer than the call's whole time limit.
    }
    expect(outputsOf(runAndDispose(realm, 'export default () => { let n = 0; for (let i = 0; i < 1e4; i++) n += i; return { n } }', { timeoutMs: 100 }))).toEqual({ n: 49995000 });
    const spinning = runAndDispose(createRealm(engine), 'export default () => { for (;;) {} }', { timeoutMs: 50 });
    expect(spinning.outcome.ok === false && spinning.outcome.error.limit).toBe('timeout');
  });

  it('applies the console budget and output limit of the call that takes it, whatever it was prepared with', () => {
    const source = "export default () => { console.log('x'.repeat(100)); return { big: 'y'.repeat(100) } }";
    const TIGHT = { consoleBytes: 10, outputBytes: 50 };
    for (const preparedWith of [undefined, DEFAULT_SANDBOX_LIMITS, TIGHT]) {
      const tight = runAndDispose(createRealm(engine, preparedWith), source, TIGHT);
      expect(tight.logsTruncated).toBe(true);
      expect(tight.outcome.ok === false && tight.outcome.error.limit).toBe('output');
      const roomy = runAndDispose(createRealm(engine, preparedWith), source);
      expect(roomy.logsTruncated).toBe(false);
      expect(roomy.logs).toEqual([{ level: 'log', text: 'x'.repeat(100) }]);
      expect(outputsOf(roomy)).toEqual({ big: 'y'.repeat(100) });
    }
  });
});

describe('an engine after a call hits a limit', () => {
  // Whether the engine survives is QuickJS's business (a stack overflow can reach the
  // machine stack, an out-of-memory inside an async function leaks an object); the
  // worker replaces one that does not, which escape.test.ts checks through the pool.
  it.each([
    ['memory', 'export default () => { let list = [1]; for (;;) list = list.concat(list) }', 'memory', true],
    ['memory in async code', 'export default async () => { await null; const l = []; for (;;) l.push({ a: [1] }) }', 'memory', false],
    ['stack', 'export default function dive() { return dive() + 1 }', 'stack', false],
  ])('fails %s with its limit and then keeps or replaces the engine', async (_name, source, limit, kept) => {
    // An engine that is to be replaced is one of its own, so no other test runs in it.
    const limited = kept ? smallEngine : await loadEngine(SMALL_MEMORY);
    for (let round = 0; round < 3; round += 1) {
      const realm = createRealm(limited);
      const failed = runInRealm(() => realm, job(source, { memoryBytes: SMALL_MEMORY, timeoutMs: 5000 }));
      expect(failed.outcome.ok === false && failed.outcome.error.limit).toBe(limit);
      const usable = !failed.poisoned && disposeRealm(realm);
      expect(usable).toBe(kept);
      if (!usable) return;
      const next = runAndDispose(createRealm(limited), 'export default (i) => ({ y: "z".repeat(1e6).length + i.x })', {
        memoryBytes: SMALL_MEMORY,
      });
      expect(outputsOf(next)).toEqual({ y: 1e6 + 1 });
    }
  });
});
