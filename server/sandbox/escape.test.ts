import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox, type SandboxLimitName, type SandboxLimits, type SandboxResult } from './index.ts';

/**
 * Hostile code, one category of escape per block (constructor chains, stack tricks,
 * species and thenables, prototype pollution, proxies, loops, memory, recursion, I/O, console). Every test ends as a failed
 * step naming its limit or as clean data, and afterEach proves the host untouched: no
 * marker file written, no prototype polluted, and a normal call still succeeds.
 */

let sandbox: Sandbox;
let directory: string;
let marker: string;
const hostPrepareStackTrace = Error.prepareStackTrace;

beforeAll(() => {
  sandbox = createSandbox({ poolSize: 2 });
  directory = mkdtempSync(join(tmpdir(), 'weft-sandbox-escape-'));
  marker = join(directory, 'escaped.txt');
});

afterAll(async () => {
  await sandbox.close();
  rmSync(directory, { recursive: true, force: true });
});

afterEach(async () => {
  expect(existsSync(marker)).toBe(false);
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  expect(([] as unknown as Record<string, unknown>)['polluted']).toBeUndefined();
  expect(Error.prepareStackTrace).toBe(hostPrepareStackTrace);
  const healthy = await run('export default (inputs) => ({ y: inputs.x + 1 })', { x: 1 });
  expect(healthy).toMatchObject({ ok: true, outputs: { y: 2 } });
});

const FAST: Partial<SandboxLimits> = { timeoutMs: 250 };

function run(source: string, inputs: Record<string, unknown> = {}, limits?: Partial<SandboxLimits>): Promise<SandboxResult> {
  return sandbox.run({ source, language: 'javascript', inputs: { marker, ...inputs }, limits });
}

function outputsOf(result: SandboxResult): Record<string, unknown> {
  if (!result.ok) throw new Error(`expected clean data, got failure: ${result.error.message}`);
  expect(Object.getPrototypeOf(result.outputs)).toBe(Object.prototype);
  return result.outputs;
}

/**
 * The call failed with `limit` (or with any of `limit`, when more than one may stop the code
 * first), and the message names it. No time bounds: a call that did not stop would be ended by
 * its worker's kill margin, which worker-slot.test.ts covers.
 */
function expectLimit(result: SandboxResult, limit: SandboxLimitName | SandboxLimitName[]): void {
  const allowed = Array.isArray(limit) ? limit : [limit];
  if (result.ok) throw new Error(`expected the ${allowed.join(' or ')} limit, got outputs ${JSON.stringify(result.outputs)}`);
  expect(allowed, result.error.message).toContain(result.error.limit);
  const hit = result.error.limit!;
  expect(result.error.message).toMatch(hit === 'output' ? /output is larger than/ : new RegExp(`${hit === 'timeout' ? 'time' : hit} limit`));
}

function expectFailure(result: SandboxResult, message: RegExp): void {
  if (result.ok) throw new Error(`expected a failure, got outputs ${JSON.stringify(result.outputs)}`);
  expect(result.error.message).toMatch(message);
}

describe('constructor chains end at the sandbox global', () => {
  const chains: Record<string, string> = {
    'inputs object': 'inputs.constructor.constructor',
    'inputs array': 'inputs.list.constructor.constructor',
    'inputs string': 'inputs.marker.constructor.constructor',
    'arrow function': '(() => {}).constructor',
    'async function': '(async () => {}).constructor',
    'generator function': '(function* () {}).constructor',
    'async generator function': '(async function* () {}).constructor',
    'promise': 'Promise.resolve().constructor.constructor',
    'promise method': 'Promise.resolve().then.constructor',
    'caught TypeError': 'caught.constructor.constructor',
    'caught stack overflow': 'overflow.constructor.constructor',
    'failed import error': 'importError.constructor.constructor',
    'console object': 'console.constructor.constructor',
    'console.log': 'console.log.constructor',
    'globalThis': 'globalThis.constructor.constructor',
    'arguments object': '(function () { return arguments })().constructor.constructor',
    'proxy': 'new Proxy({}, {}).constructor.constructor',
    'Reflect.apply': 'Reflect.apply.constructor',
    'JSON.parse': 'JSON.parse.constructor',
    'Symbol': 'Symbol.constructor',
    'prototype walk': 'Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype).constructor.constructor',
  };

  it('reaches only the sandbox Function and global from every object', async () => {
    const entries = Object.entries(chains)
      .map(([name, chain]) => `[${JSON.stringify(name)}, () => ${chain}]`)
      .join(',\n');
    const source = `export default async function (inputs) {
      let caught; try { null.x } catch (error) { caught = error }
      let overflow; try { (function dive() { return dive() })() } catch (error) { overflow = error }
      const importError = await import('node:fs').catch((error) => error);
      const settle = async (value) => {
        if (value && typeof value.next === 'function') value = value.next();
        if (value && typeof value.then === 'function') value = await value;
        return value && typeof value === 'object' && 'done' in value ? value.value : value;
      };
      const report = {};
      for (const [name, get] of [${entries}]) {
        const make = get();
        const reached = await settle(make('return this')());
        const probe = await settle(make('return [typeof process, typeof require, typeof fetch, typeof Buffer].join()')());
        report[name] = { sameGlobal: reached === globalThis, probe, name: make.name };
      }
      return report;
    }`;
    const report = outputsOf(await run(source, { list: [1] }, { timeoutMs: 10_000 }));
    expect(Object.keys(report).sort()).toEqual(Object.keys(chains).sort());
    for (const [name, entry] of Object.entries(report)) {
      expect(entry, name).toMatchObject({ sameGlobal: true, probe: 'undefined,undefined,undefined,undefined' });
      expect((entry as { name: string }).name, name).toMatch(/Function$/);
    }
  });

  it('cannot reach the host process through any chain', async () => {
    const attempts = [
      `inputs.constructor.constructor('return process')().mainModule.require('fs').writeFileSync(inputs.marker, 'x')`,
      `console.log.constructor('return this')().process.binding('fs')`,
      `(async () => {}).constructor('return process')().then((p) => p.exit(1))`,
      `Promise.resolve().constructor.constructor('return require')()('fs').writeFileSync(inputs.marker, 'x')`,
      `eval('process.env.HOME')`,
      `new Function('return globalThis.process.env')()`,
    ];
    for (const attempt of attempts) {
      const result = await run(`export default async (inputs) => { await ${attempt}; return { escaped: true } }`);
      expectFailure(result, /ReferenceError|TypeError|not a function|not defined/);
    }
  });

  it('gives module code no this, no import.meta and no ambient globals', async () => {
    const source = `const topThis = this;
      export default function () {
        return { topThis: typeof topThis, callThis: typeof this, evalThis: (0, eval)('this') === globalThis,
          evalProcess: eval('typeof process') };
      }`;
    expect(outputsOf(await run(source))).toEqual({ topThis: 'undefined', callThis: 'undefined', evalThis: true, evalProcess: 'undefined' });
    // The module body runs as a function (a fresh instance per call), where import.meta is a syntax error.
    expectFailure(await run('export default () => ({ meta: typeof import.meta })'), /SyntaxError/);
  });
});

describe('Error.prepareStackTrace and stack tricks', () => {
  it('never hands call sites or host frames to user code', async () => {
    const source = `export default () => {
      let calls = 0;
      const refused = [];
      try { Error.prepareStackTrace = (error, frames) => { calls += 1; return frames.map((frame) => frame.getFunction()) } } catch (caught) { refused.push(caught.name) }
      try { Error.stackTraceLimit = Infinity } catch (caught) { refused.push(caught.name) }
      const error = new Error('probe');
      let host; try { host = typeof error.constructor.constructor('return process')() } catch (caught) { host = caught.name }
      return { calls, refused, stack: typeof error.stack, mentionsHost: /node:|internal|worker/.test(error.stack), host, capture: typeof Error.captureStackTrace };
    }`;
    expect(outputsOf(await run(source))).toEqual({
      calls: 0, refused: ['TypeError', 'TypeError'], stack: 'string', mentionsHost: false, host: 'ReferenceError', capture: 'undefined',
    });
  });

  it('contains errors whose stack or message getters throw or spin', async () => {
    const throwing = `export default () => { const error = new Error('x');
      Object.defineProperty(error, 'message', { get() { throw new Error('nested') } });
      Object.defineProperty(error, 'stack', { get() { throw new Error('nested') } });
      throw error }`;
    expectFailure(await run(throwing), /code threw|could not be read|Error/);
    const spinning = `export default () => { const error = new Error('x');
      Object.defineProperty(error, 'message', { get() { for (;;) {} } }); throw error }`;
    expectLimit(await run(spinning, {}, FAST), 'timeout');
  });
});

describe('Symbol.species and thenable tricks', () => {
  it('settles a Promise subclass with a hostile species inside the sandbox', async () => {
    const source = `class Evil extends Promise { static get [Symbol.species]() { return function (executor) { executor(() => {}, () => {}) } } }
      export default () => Evil.resolve({ out: 1 })`;
    expect(outputsOf(await run(source))).toEqual({ out: 1 });
  });

  it('refuses patches to Promise.prototype.then and species, and is not fooled by them', async () => {
    const source = `const refused = [];
      try { Promise.prototype.then = function () { return this } } catch (caught) { refused.push(caught.name) }
      try { Object.defineProperty(Promise, Symbol.species, { get() { return function () {} } }) } catch (caught) { refused.push(caught.name) }
      try { Object.defineProperty(Array, Symbol.species, { get() { return function () { return {} } } }) } catch (caught) { refused.push(caught.name) }
      export default async () => { await null; return { out: 4, filtered: Array.isArray([1, 2].filter(Boolean)), refused } }`;
    expect(outputsOf(await run(source))).toEqual({ out: 4, filtered: true, refused: ['TypeError', 'TypeError', 'TypeError'] });
  });

  it('adopts a plain thenable as the outputs', async () => {
    expect(outputsOf(await run('export default () => ({ then(resolve) { resolve({ out: 2 }) } })'))).toEqual({ out: 2 });
  });

  it('fails a thenable whose then getter throws', async () => {
    expectFailure(await run("export default () => ({ get then() { throw new Error('then getter') } })"), /then getter/);
  });

  it('stops a thenable that resolves to itself at the deadline', async () => {
    expectLimit(await run('export default () => ({ then(resolve) { resolve(this) } })', {}, FAST), 'timeout');
  });

  it('refuses Object.prototype.then, which would make every object a thenable', async () => {
    const result = await run('Object.prototype.then = function (resolve) { resolve(this) }; export default () => ({ x: 1 })', {}, FAST);
    expectFailure(result, /TypeError/);
  });
});

describe('prototype pollution', () => {
  it('is refused in the run that tries it and reaches neither the host nor the next run', async () => {
    const pollute = `const refused = [];
      for (const attempt of [
        () => { Object.prototype.polluted = 'yes' }, () => { Array.prototype.polluted = 'yes' },
        () => { Function.prototype.polluted = 'yes' }, () => { Object.prototype.toJSON = undefined },
        () => { String.prototype.trim = () => 'hijacked' },
      ]) { try { attempt(); refused.push('allowed') } catch (caught) { refused.push(caught.name) } }
      export default (inputs) => ({ seen: ({}).polluted === undefined, viaInputs: inputs.polluted === undefined, refused })`;
    expect(outputsOf(await run(pollute))).toEqual({ seen: true, viaInputs: true, refused: Array(5).fill('TypeError') });
    expect((function host() {} as unknown as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(' a '.trim()).toBe('a');
    const check = `export default () => ({ seen: ({}).polluted === undefined, trimmed: ' a '.trim() })`;
    for (let index = 0; index < 3; index += 1) expect(outputsOf(await run(check))).toEqual({ seen: true, trimmed: 'a' });
  });

  it('cannot pollute through the inputs, in the sandbox or on the host', async () => {
    const source = `export default (inputs) => { const refused = [];
      try { inputs.constructor.prototype.polluted = 1 } catch (caught) { refused.push(caught.name) }
      try { inputs.__proto__.viaProto = 1 } catch (caught) { refused.push(caught.name) }
      return { clean: ({}).polluted === undefined && ({}).viaProto === undefined, refused } }`;
    expect(outputsOf(await run(source))).toEqual({ clean: true, refused: ['TypeError', 'TypeError'] });
    expect(({} as Record<string, unknown>)['viaProto']).toBeUndefined();
  });

  it.each([
    ['at the top', `JSON.parse('{"__proto__": {"polluted": 1}, "a": 1}')`],
    ['nested', `({ nested: [JSON.parse('{"__proto__": {"polluted": 1}}')] })`],
  ])('refuses a __proto__ key in the outputs %s', async (_where, value) => {
    expectFailure(await run(`export default () => ${value}`), /must not contain the key "__proto__"/);
  });

  it('keeps a __proto__ string value', async () => {
    expect(outputsOf(await run("export default () => ({ text: '__proto__', quoted: '\"__proto__\"' })"))).toEqual({
      text: '__proto__',
      quoted: '"__proto__"',
    });
  });
});

describe('returned proxies, getters and toJSON', () => {
  it.each([
    ['a proxy whose ownKeys trap throws', "new Proxy({}, { ownKeys() { throw new Error('trap') } })", /trap/],
    ['a revoked proxy', "(() => { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return proxy })()", /revoked/],
    ['a getter that throws', "({ get out() { throw new Error('getter') } })", /getter/],
    ['a toJSON that throws', "({ toJSON() { throw new Error('toJSON') } })", /toJSON/],
    ['a toJSON that returns a string', "({ toJSON() { return 'text' } })", /object of outputs/],
    ['a toJSON that returns nothing', '({ toJSON() {} })', /object of outputs/],
  ])('fails %s cleanly', async (_name, value, message) => {
    expectFailure(await run(`export default () => ${value}`), message);
  });

  it('turns proxies and getters into plain data', async () => {
    const source = `export default () => ({
      viaProxy: new Proxy({ a: 1 }, { get: (target, key) => key === 'a' ? 2 : Reflect.get(target, key) }),
      get computed() { return 42 },
      list: new Proxy([1, 2], {}),
    })`;
    const outputs = outputsOf(await run(source));
    expect(outputs).toEqual({ viaProxy: { a: 2 }, computed: 42, list: [1, 2] });
    expect(Object.getOwnPropertyDescriptor(outputs, 'computed')).toMatchObject({ value: 42, writable: true });
  });

  it('stops getters and toJSON that never return at the deadline', async () => {
    expectLimit(await run('export default () => ({ get out() { for (;;) {} } })', {}, FAST), 'timeout');
    expectLimit(await run('export default () => ({ out: { toJSON() { for (;;) {} } } })', {}, FAST), 'timeout');
  });

  it('limits outputs by their serialised size, including toJSON growth', async () => {
    expectLimit(await run("export default () => ({ big: 'x'.repeat(2048) })", {}, { outputBytes: 1024 }), 'output');
    expectLimit(await run("export default () => ({ small: { toJSON() { return '€'.repeat(400) } } })", {}, { outputBytes: 1024 }), 'output');
    expect(outputsOf(await run("export default () => ({ fits: 'x'.repeat(900) })", {}, { outputBytes: 1024 }))).toHaveProperty('fits');
  });
});

describe('infinite loops end at the deadline', () => {
  it.each([
    ['a synchronous loop', 'export default () => { for (;;) {} }'],
    ['a loop that swallows errors', 'export default () => { for (;;) { try { for (;;) {} } catch {} finally { continue } } }'],
    ['a loop in the module body', 'for (;;) {}\nexport default () => ({})'],
    ['a microtask chain', 'export default () => { const spin = () => Promise.resolve().then(spin); spin(); return new Promise(() => spin()) }'],
    ['a sort comparator', 'export default () => { [3, 2, 1].sort(() => { for (;;) {} }) }'],
    ['catastrophic regex backtracking', "export default () => ({ x: /(a+)+b/.test('a'.repeat(40)) })"],
    ['a logged value whose toJSON spins', 'export default () => { console.log({ toJSON() { for (;;) {} } }) }'],
  ])('stops %s', async (_name, source) => {
    expectLimit(await run(source, {}, FAST), 'timeout');
  });

  it('stops async recursion at its time or memory limit, whichever it reaches first', async () => {
    // Each await keeps a pending promise chain alive, so memory grows as fast as the clock runs.
    expectLimit(await run('export default async function again() { await null; return again() }', {}, FAST), ['timeout', 'memory']);
  });

  it('keeps the host event loop answering while code spins', async () => {
    // Both calls spin with a minute to go: only a host timer, which needs the host's event loop
    // free while they spin, can end them within the test's timeout.
    const controller = new AbortController();
    let spinning = 0;
    const calls: Array<Promise<SandboxResult>> = [];
    const bothSpinning = new Promise<void>((resolve) => {
      for (let index = 0; index < 2; index++) {
        calls.push(
          sandbox.run(
            { source: 'export default () => { for (;;) {} }', language: 'javascript', inputs: {}, limits: { timeoutMs: 60_000 }, onStart: () => (++spinning === 2 ? resolve() : undefined) },
            controller.signal,
          ),
        );
      }
    });
    await bothSpinning;
    let ticks = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (++ticks < 10) return;
        clearInterval(timer);
        resolve();
      }, 10);
    });
    controller.abort();
    for (const result of await Promise.all(calls)) expectFailure(result, /^cancelled$/);
  });

  it('terminates a worker stuck in a builtin that cannot be interrupted', async () => {
    // JSON.stringify of deep nesting is quadratic in C and never polls the interrupt handler.
    const source = 'export default () => { let deep = []; for (let i = 0; i < 1e5; i++) deep = [deep]; return { deep } }';
    expectLimit(await run(source, {}, { timeoutMs: 200 }), 'timeout');
  });
});

describe('memory and string bombs', () => {
  // A time limit far above what filling 12 MiB takes, so that on a loaded machine the memory
  // limit is still the one reached.
  const SMALL: Partial<SandboxLimits> = { memoryBytes: 12 * 1024 * 1024, timeoutMs: 10_000 };
  it.each([
    ['a huge repeat', "export default () => ({ x: 'x'.repeat(1e9) })"],
    ['a huge buffer', 'export default () => ({ n: new ArrayBuffer(1e9).byteLength })'],
    ['an array that doubles', 'export default () => { let list = [1]; for (;;) list = list.concat(list) }'],
    ['a string that doubles', "export default () => { let text = 'x'; for (;;) text += text }"],
    ['strings kept in a map', "export default () => { const map = new Map(); for (let i = 0; ; i++) map.set(i, String(i).padEnd(65536, 'v')) }"],
    ['memory exhausted inside async code', 'export default async () => { await null; let list = [1]; for (;;) list = list.concat(list) }'],
    ['small objects kept alive', 'export default () => { const list = []; for (let i = 0; ; i++) list.push({ i, tags: [i] }) }'],
    ['typed arrays kept alive', 'export default () => { const list = []; for (;;) list.push(new Uint8Array(64 * 1024)) }'],
    ['huge inputs', 'export default (inputs) => ({ n: inputs.blob.length })', { blob: 'b'.repeat(4 * 1024 * 1024) }],
  ])('fails %s with the memory limit', async (_name, source, inputs?: Record<string, unknown>) => {
    expectLimit(await run(source, inputs, SMALL), 'memory');
  });

  it('lets code that catches running out of memory carry on', async () => {
    const source = "export default () => { try { 'x'.repeat(1e9) } catch {} return { survived: 'y'.repeat(3) } }";
    expect(outputsOf(await run(source, {}, SMALL))).toEqual({ survived: 'yyy' });
  });
});

describe('unbounded recursion', () => {
  it.each([
    ['plain recursion', 'export default function dive() { return dive() + 1 }'],
    ['mutual recursion', 'function a() { return b() } function b() { return a() }\nexport default () => a()'],
    ['a recursive getter', 'export default () => { const o = { get x() { return this.x } }; return { x: o.x } }'],
    ['a recursive proxy trap', 'export default () => { const p = new Proxy({}, { get: (t, k, r) => r[k] }); return { x: p.x } }'],
    ['deeply nested source', "export default () => ({ x: eval('['.repeat(1e5) + ']'.repeat(1e5)) })"],
    ['deeply nested JSON', "export default () => ({ x: JSON.parse('['.repeat(1e5) + ']'.repeat(1e5)) })"],
    ['recursion during module evaluation', '(function dive() { dive() })()\nexport default () => ({})'],
  ])('fails %s with the stack limit', async (_name, source) => {
    expectLimit(await run(source, {}, { timeoutMs: 10_000 }), 'stack');
  });

  it('lets code that catches a stack overflow carry on', async () => {
    const source = 'export default () => { let depth = 0; try { (function dive() { depth++; dive() })() } catch {} return { deep: depth > 100 } }';
    expect(outputsOf(await run(source))).toEqual({ deep: true });
  });
});

describe('network, environment and file system', () => {
  it('has none of the host globals', async () => {
    const names = ['fetch', 'XMLHttpRequest', 'WebSocket', 'process', 'require', 'module', 'exports', 'Buffer', 'global',
      'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'WebAssembly', 'SharedArrayBuffer', 'Atomics',
      'WeakRef', 'FinalizationRegistry', 'Deno', 'Bun', 'std', 'os', 'navigator', '__dirname', 'print', 'scriptArgs'];
    const source = `export default (inputs) => Object.fromEntries(inputs.names.map((name) => [name, typeof globalThis[name]]))`;
    const outputs = outputsOf(await run(source, { names }));
    for (const name of names) expect(outputs[name], name).toBe('undefined');
  });

  it.each([
    ['fetch', "export default async (inputs) => { await fetch('file://' + inputs.marker, { method: 'PUT', body: 'x' }); return {} }", /fetch/],
    ['process.env', 'export default () => ({ home: process.env.HOME })', /process/],
    ['require', "export default (inputs) => { require('fs').writeFileSync(inputs.marker, 'x'); return {} }", /require/],
    ['dynamic import', "export default async (inputs) => { const fs = await import('fs'); fs.writeFileSync(inputs.marker, 'x'); return {} }", /cannot import modules/],
    ['static import', "import { writeFileSync } from 'node:fs';\nexport default (inputs) => { writeFileSync(inputs.marker, 'x'); return {} }", /cannot import modules/],
    ['relative import', "import helper from './helper.js';\nexport default () => helper()", /cannot import modules/],
    ['a file URL import', "export default async () => ({ x: await import('file:///etc/passwd') })", /cannot import modules/],
  ])('refuses %s', async (_name, source, message) => {
    expectFailure(await run(source), message);
  });
});

describe('console floods', () => {
  const BUDGET = 4096;

  function loggedBytes(result: SandboxResult): number {
    return result.logs.reduce((sum, line) => sum + Buffer.byteLength(line.text) + 1, 0);
  }

  it('cuts a finite flood at the budget without failing the step', async () => {
    const result = await run("export default () => { for (let i = 0; i < 1e5; i++) console.log('line', i); return { done: true } }", {}, { consoleBytes: BUDGET });
    expect(outputsOf(result)).toEqual({ done: true });
    expect(result.logsTruncated).toBe(true);
    expect(loggedBytes(result)).toBeLessThanOrEqual(BUDGET);
    expect(result.logs[0]).toEqual({ level: 'log', text: 'line 0' });
  });

  it('bounds a flood of empty lines and an endless flood', async () => {
    const empty = await run('export default () => { for (let i = 0; i < 1e5; i++) console.log(); return {} }', {}, { consoleBytes: BUDGET });
    expect(empty.logs.length).toBeLessThanOrEqual(BUDGET);
    expect(empty.logsTruncated).toBe(true);
    const endless = await run("export default () => { for (;;) console.error('x'.repeat(1000)) }", {}, { consoleBytes: BUDGET, timeoutMs: 250 });
    expectLimit(endless, 'timeout');
    expect(endless.logsTruncated).toBe(true);
    expect(loggedBytes(endless)).toBeLessThanOrEqual(BUDGET);
  });

  it('cuts one huge line on a character boundary', async () => {
    const result = await run("export default () => { console.log('€'.repeat(1e6)); return {} }", {}, { consoleBytes: BUDGET });
    expect(result.logsTruncated).toBe(true);
    expect(result.logs).toHaveLength(1);
    expect(result.logs[0]?.text).toMatch(/^€+$/);
    expect(loggedBytes(result)).toBeLessThanOrEqual(BUDGET);
  });

  it('keeps at most its number of lines and counts exactly what it dropped', async () => {
    // 'line 0' .. 'line 99': 6 bytes each below 10, 7 from 10 on.
    const source = "export default () => { for (let i = 0; i < 100; i++) console.log('line', i); return { done: true } }";
    const result = await run(source, {}, { consoleLines: 10 });
    expect(outputsOf(result)).toEqual({ done: true });
    expect(result.logs.map((line) => line.text)).toEqual(Array.from({ length: 10 }, (_, index) => `line ${index}`));
    expect(result.logsDropped).toEqual({ lines: 90, bytes: 90 * 7 });
  });

  it('counts dropped text in UTF-8 bytes, and the cut-off end of the line that crossed the budget', async () => {
    // Each line is 'é€👋' 25 times: 100 UTF-16 units, 225 UTF-8 bytes (2 + 3 + 4 per group).
    const source = "export default () => { for (let i = 0; i < 40; i++) console.log('é€👋'.repeat(25)); return {} }";
    const result = await run(source, {}, { consoleBytes: BUDGET });
    const keptBytes = result.logs.reduce((sum, line) => sum + Buffer.byteLength(line.text), 0);
    expect(keptBytes + result.logsDropped.bytes).toBe(40 * 225);
    expect(result.logs.length + result.logsDropped.lines).toBe(40);
    expect(result.logsDropped.lines).toBeGreaterThan(0);
    // Past the line cap the sandbox itself counts the lines it never sends.
    const capped = await run(source, {}, { consoleLines: 5 });
    expect(capped.logs).toHaveLength(5);
    expect(capped.logsDropped).toEqual({ lines: 35, bytes: 35 * 225 });
    const lone = await run("export default () => { console.log('first'); console.log('\\ud800x', 'a\\u07ff'); return {} }", {}, { consoleLines: 1 });
    expect(lone.logsDropped).toEqual({ lines: 1, bytes: 3 + 1 + 1 + 1 + 2 });
  });

  it('counts lines dropped once the budget is exactly full, and with no budget at all', async () => {
    const source = "export default () => { console.log('abcd'); console.log('efgh'); console.log('more'); return {} }";
    const full = await run(source, {}, { consoleBytes: 10 });
    expect(full.logs.map((line) => line.text)).toEqual(['abcd', 'efgh']);
    expect(full.logsDropped).toEqual({ lines: 1, bytes: 4 });
    expect((await run(source, {}, { consoleBytes: 0 })).logsDropped).toEqual({ lines: 3, bytes: 12 });
    expect((await run(source, {}, { consoleLines: 0 })).logsDropped).toEqual({ lines: 3, bytes: 12 });
  });

  it('counts what an endless flood dropped until the deadline', async () => {
    const endless = await run("export default () => { for (;;) console.log('x') }", {}, { consoleLines: 5, timeoutMs: 250 });
    expectLimit(endless, 'timeout');
    expect(endless.logs).toHaveLength(5);
    expect(endless.logsDropped.lines).toBeGreaterThan(0);
    expect(endless.logsDropped.bytes).toBe(endless.logsDropped.lines);
  });

  it('prints hostile values without running host code', async () => {
    const source = `export default () => {
      console.log({ toJSON() { throw new Error('no') } }, { get x() { throw new Error('no') } }, new Proxy({}, { ownKeys() { throw 1 } }));
      console.log(Object.create(null), [1, [2]], () => 1);
      return {};
    }`;
    const result = await run(source);
    expect(result.logs).toEqual([
      { level: 'log', text: '[unprintable value] [unprintable value] [unprintable value]' },
      { level: 'log', text: '{} [1,[2]] [Function]' },
    ]);
  });
});
