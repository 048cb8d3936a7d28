import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox, type SandboxLimits, type SandboxResult } from './index.ts';

/**
 * The risk a reused realm adds (guest-realm.ts): state passing from one call to the
 * next. One worker, so every call here lands in the same realm unless it is retired.
 */

let sandbox: Sandbox;

beforeAll(() => {
  sandbox = createSandbox({ poolSize: 1 });
});

afterAll(async () => {
  await sandbox.close();
});

function run(source: string, inputs: Record<string, unknown> = {}, limits?: Partial<SandboxLimits>): Promise<SandboxResult> {
  return sandbox.run({ source, language: 'javascript', inputs, limits });
}

function outputsOf(result: SandboxResult): Record<string, unknown> {
  if (!result.ok) throw new Error(`expected outputs, got failure: ${result.error.message}`);
  return result.outputs;
}

/** Tries to leave `inputs.secret` everywhere a later call might look, and reports what worked. */
const PLANT = `let stash;
export default (inputs) => {
  const secret = inputs.secret;
  const firstCall = stash === undefined;
  stash = secret;
  const stored = [];
  const targets = [globalThis, Object.prototype, Array.prototype, Function.prototype, String.prototype, Promise.prototype,
    Error, Error.prototype, TypeError.prototype, Symbol, Symbol.prototype, JSON, Math, Reflect, console, console.log,
    Object, Array, Promise, Map.prototype, RegExp.prototype, Date.prototype, Iterator.prototype,
    Object.getPrototypeOf(function* () {}), Object.getPrototypeOf(async function () {}), Object.getPrototypeOf([].values())];
  const attempts = [];
  for (const target of targets) {
    attempts.push(() => { target.weftSecret = secret }, () => { Object.defineProperty(target, 'weftSecret', { value: secret }) },
      () => { target[Symbol.for('weftSecret')] = secret }, () => { Object.setPrototypeOf(target, { weftSecret: secret }) });
  }
  attempts.push(() => { Error.prepareStackTrace = () => secret }, () => { Error.stackTraceLimit = 0 },
    () => { JSON.stringify = () => secret }, () => { Math.random = () => 0 }, () => { console.log = () => {} },
    () => { Array.prototype.push = function () { return secret } }, () => { Object.prototype.toString = () => secret },
    () => { Function.prototype.toString = () => secret }, () => { globalThis.setTimeout = (f) => f() },
    () => { Symbol.for('weft-secret:' + secret) }, () => { delete Array.prototype.map }, () => { delete globalThis.JSON });
  for (const attempt of attempts) {
    try { attempt(); if (String(attempt).includes('Symbol.for(\\'weft-secret:')) continue; stored.push(String(attempt)) } catch {}
  }
  return { firstCall, stored, attempts: attempts.length };
}`;

/** Looks for `inputs.secret` in every property, key and prototype reachable from globalThis. */
const SEARCH = `let mine;
export default (inputs) => {
  const firstCall = mine === undefined;
  mine = 1;
  const seen = new Set(); const pending = [globalThis]; const found = [];
  while (pending.length > 0) {
    const value = pending.pop();
    if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) continue;
    seen.add(value);
    pending.push(Object.getPrototypeOf(value));
    for (const key of Reflect.ownKeys(value)) {
      if (String(key).includes('weftSecret') || String(key).includes(inputs.secret)) found.push(String(key));
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if ('value' in descriptor) {
        if (descriptor.value === inputs.secret) found.push(String(key));
        pending.push(descriptor.value);
      } else pending.push(descriptor.get, descriptor.set);
    }
  }
  let viaHooks = [];
  try { viaHooks.push(String(new Error('x').stack).includes(inputs.secret), JSON.stringify({ a: 1 }), typeof setTimeout, [].map === undefined) } catch (error) { viaHooks.push(String(error)) }
  return { firstCall, found, viaHooks, objects: seen.size };
}`;

describe('state between calls in a reused realm', () => {
  it('keeps nothing a call writes to globals, prototypes, the console, JSON, Math or the Symbol registry', async () => {
    const secret = `s${Math.random().toString(36).slice(2)}`;
    for (let round = 0; round < 2; round += 1) {
      const planted = outputsOf(await run(PLANT, { secret }));
      expect(planted['attempts']).toBeGreaterThan(100);
      expect(planted['stored']).toEqual([]);
      // The same source again: its module-level `stash` is new.
      expect(planted['firstCall']).toBe(true);
    }
    for (let round = 0; round < 2; round += 1) {
      const searched = outputsOf(await run(SEARCH, { secret }));
      expect(searched).toMatchObject({ firstCall: true, found: [], viaHooks: [false, '{"a":1}', 'undefined', false] });
      expect(searched['objects']).toBeGreaterThan(500);
    }
  });

  it('gives every call new module-level state, also after other sources ran', async () => {
    const counter = 'let count = 0; const cache = new Map();\nexport default (inputs) => { count += 1; cache.set(inputs.key, 1); return { count, size: cache.size } }';
    for (let index = 0; index < 5; index += 1) {
      expect(outputsOf(await run(counter, { key: index }))).toEqual({ count: 1, size: 1 });
      expect(outputsOf(await run('export default () => ({ other: true })'))).toEqual({ other: true });
    }
  });

  it('never runs promise jobs or thenables of one call during the next', async () => {
    const leaveBehind = `export default () => {
      const spin = () => Promise.resolve().then(() => { console.log('from the first call'); spin() });
      spin();
      new Promise(() => {}).then(() => console.log('never'));
      return { then(resolve) { resolve({ first: true }); Promise.resolve().then(() => console.log('late thenable job')) } };
    }`;
    const first = await run(leaveBehind, {}, { consoleBytes: 1024 });
    expect(outputsOf(first)).toEqual({ first: true });
    const started = performance.now();
    const next = await run("export default async () => { await null; await null; console.log('second'); return { second: true } }");
    expect(outputsOf(next)).toEqual({ second: true });
    expect(next.logs).toEqual([{ level: 'log', text: 'second' }]);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('has no WeakRef or FinalizationRegistry, and they cannot be put back', async () => {
    const source = `export default () => {
      let defined = false;
      try { Object.defineProperty(globalThis, 'WeakRef', { value: function () {} }); defined = true } catch {}
      return { weakRef: typeof WeakRef, registry: typeof FinalizationRegistry, defined, frozen: Object.isFrozen(globalThis) };
    }`;
    expect(outputsOf(await run(source))).toEqual({ weakRef: 'undefined', registry: 'undefined', defined: false, frozen: true });
  });

  it('answers normally, with fresh state, right after a timeout and after running out of memory', async () => {
    const counter = 'let count = 0;\nexport default () => ({ count: ++count })';
    expect(outputsOf(await run(counter))).toEqual({ count: 1 });
    const timedOut = await run('let count = 0;\nexport default () => { count += 1; for (;;) {} }', {}, { timeoutMs: 100 });
    expect(timedOut.ok === false && timedOut.error.limit).toBe('timeout');
    expect(outputsOf(await run(counter))).toEqual({ count: 1 });
    const small = { memoryBytes: 12 * 1024 * 1024 };
    const outOfMemory = await run('export default () => { const list = []; for (;;) list.push({ a: [1] }) }', {}, small);
    expect(outOfMemory.ok === false && outOfMemory.error.limit).toBe('memory');
    expect(outputsOf(await run(counter, {}, small))).toEqual({ count: 1 });
    expect(outputsOf(await run(counter))).toEqual({ count: 1 });
  });
});
