import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, DEFAULT_SANDBOX_LIMITS, type Sandbox, type SandboxRequest, type SandboxResult } from './index.ts';

let sandbox: Sandbox;

beforeAll(() => {
  sandbox = createSandbox({ poolSize: 2 });
});

afterAll(async () => {
  await sandbox.close();
});

function js(source: string, inputs: Record<string, unknown> = {}, limits?: SandboxRequest['limits']): Promise<SandboxResult> {
  return sandbox.run({ source, language: 'javascript', inputs, limits });
}

function ts(source: string, inputs: Record<string, unknown> = {}): Promise<SandboxResult> {
  return sandbox.run({ source, language: 'typescript', inputs });
}

function outputsOf(result: SandboxResult): Record<string, unknown> {
  if (!result.ok) throw new Error(`expected success, got: ${result.error.message}`);
  return result.outputs;
}

function errorOf(result: SandboxResult) {
  if (result.ok) throw new Error(`expected failure, got outputs ${JSON.stringify(result.outputs)}`);
  return result.error;
}

describe('code steps that succeed', () => {
  it('runs a synchronous default export with its inputs', async () => {
    const result = await js('export default function (inputs) { return { sum: inputs.a + inputs.b } }', { a: 2, b: 3 });
    expect(outputsOf(result)).toEqual({ sum: 5 });
    expect(result.durationMs).toBeGreaterThan(0);
  });

  it('awaits an async default export and its promise jobs', async () => {
    const source = `export default async (inputs) => {
      const doubled = await Promise.all(inputs.values.map(async (value) => { await null; return value * 2 }));
      return { doubled };
    }`;
    expect(outputsOf(await js(source, { values: [1, 2, 3] }))).toEqual({ doubled: [2, 4, 6] });
  });

  it('supports top-level await in the module', async () => {
    expect(outputsOf(await js('const base = await Promise.resolve(40);\nexport default () => ({ out: base + 2 })'))).toEqual({ out: 42 });
    // Forms that would also parse, differently, in a function that is not async.
    expect(outputsOf(await js('const base = await (Promise.resolve(40));\nconst list = await [1];\nexport default () => ({ out: base + list.length })'))).toEqual({ out: 41 });
  });

  it('strips TypeScript types, enums and interfaces', async () => {
    const source = `interface Order { items: { price: number; quantity: number }[] }
enum Status { Open = 'open', Closed = 'closed' }
type Totals = { total: number; status: Status };
export default function (inputs: Order): Totals {
  const total = inputs.items.reduce((sum: number, item) => sum + item.price * item.quantity, 0);
  return { total, status: total > 10 ? Status.Closed : Status.Open };
}`;
    expect(outputsOf(await ts(source, { items: [{ price: 4, quantity: 3 }] }))).toEqual({ total: 12, status: 'closed' });
  });

  it('captures console output by level, formatting values inside the sandbox', async () => {
    const source = `export default () => {
      console.log('plain', 1, { a: [1, 2] }, null, undefined);
      console.info('info'); console.warn('warn'); console.error(new TypeError('bad')); console.debug(10n, Symbol('s'));
      return {};
    }`;
    const result = await js(source);
    expect(result.logs).toEqual([
      { level: 'log', text: 'plain 1 {"a":[1,2]} null undefined' },
      { level: 'info', text: 'info' },
      { level: 'warn', text: 'warn' },
      { level: 'error', text: 'TypeError: bad' },
      { level: 'debug', text: '10n Symbol(s)' },
    ]);
    expect(result.logsTruncated).toBe(false);
  });

  it('runs promise jobs a synchronous step queued without waiting for them', async () => {
    const source = "export default () => { Promise.resolve().then(() => console.log('later')); console.log('now'); return { done: true } }";
    for (let index = 0; index < 2; index += 1) {
      const result = await js(source);
      expect(outputsOf(result)).toEqual({ done: true });
      expect(result.logs).toEqual([{ level: 'log', text: 'now' }, { level: 'log', text: 'later' }]);
    }
  });

  it('leaves out outputs whose value is undefined', async () => {
    const outputs = outputsOf(await js('export default () => ({ fired: 1, skipped: undefined, fn: () => 1 })'));
    expect(outputs).toEqual({ fired: 1 });
    expect(Object.keys(outputs)).toEqual(['fired']);
  });

  it('returns JSON data only: dates become strings, maps become objects, NaN becomes null', async () => {
    const outputs = outputsOf(await js('export default () => ({ when: new Date(0), map: new Map([[1, 2]]), nan: NaN })'));
    expect(outputs).toEqual({ when: '1970-01-01T00:00:00.000Z', map: {}, nan: null });
    expect(Object.getPrototypeOf(outputs)).toBe(Object.prototype);
  });

  it('passes unicode and nested inputs through unchanged', async () => {
    const inputs = { text: 'héllo 👋 \u2028 "quoted"', nested: { list: [1, { deep: true }], empty: {} } };
    expect(outputsOf(await js('export default (inputs) => ({ echo: inputs })', inputs))).toEqual({ echo: inputs });
  });
});

describe('code steps that fail clearly', () => {
  it.each([
    ['null', 'export default () => null', 'got null'],
    ['an array', 'export default () => [1]', 'got an array'],
    ['a number', 'export default () => 3', 'got a number'],
    ['a string', 'export default async () => "x"', 'got a string'],
    ['nothing', 'export default () => {}', 'got undefined'],
    ['a function', 'export default () => () => 1', 'got a function'],
  ])('refuses %s as outputs', async (_kind, source, detail) => {
    const error = errorOf(await js(source));
    expect(error.message).toBe(`code must return an object of outputs, ${detail}`);
    expect(error.limit).toBeUndefined();
  });

  it('needs a default export that is a function', async () => {
    expect(errorOf(await js('export const x = 1')).message).toMatch(/code must export a default function/);
    expect(errorOf(await js('export default 42')).message).toMatch(/code must export a default function/);
  });

  it('reports the line and column of a runtime error', async () => {
    const error = errorOf(await js('export default (inputs) => {\n  const list = inputs.list;\n  return { n: list.missing.length };\n}'));
    expect(error.message).toMatch(/^TypeError: /);
    expect(error.line).toBe(3);
    expect(error.column).toBeGreaterThan(0);
  });

  it('reports the user line of an error thrown in TypeScript', async () => {
    const source = 'interface In { x: number }\nexport default (inputs: In): Record<string, number> => {\n  throw new Error(`bad x ${inputs.x}`);\n};';
    const error = errorOf(await ts(source, { x: 7 }));
    expect(error).toMatchObject({ message: 'Error: bad x 7', line: 3 });
  });

  it('reports the line of a TypeScript syntax error', async () => {
    const error = errorOf(await ts('type A = number;\nconst a: A = 1;\nconst b: A = ;\nexport default () => ({ a, b });'));
    expect(error.message).toMatch(/^SyntaxError/);
    expect(error.line).toBe(3);
  });

  it('reports the line of a JavaScript syntax error', async () => {
    const error = errorOf(await js('export default () => {\n  return { a: 1 };\n  let = = 2;\n}'));
    expect(error.message).toMatch(/^SyntaxError/);
    expect(error.line).toBe(3);
  });

  it('reports errors thrown while the module loads and from rejected promises', async () => {
    expect(errorOf(await js('\n\nthrow new RangeError("at load")'))).toMatchObject({ message: 'RangeError: at load', line: 3 });
    const rejected = errorOf(await js('export default async () => {\n  await null;\n  throw new Error("later");\n}'));
    expect(rejected).toMatchObject({ message: 'Error: later', line: 3 });
  });

  it('describes thrown values that are not errors', async () => {
    expect(errorOf(await js('export default () => { throw "plain text" }')).message).toBe('code threw plain text');
    expect(errorOf(await js('export default () => { throw { code: 7 } }')).message).toBe('code threw {"code":7}');
  });

  it('fails a promise that can never settle at once instead of waiting for the timeout', async () => {
    const result = await js('export default () => new Promise(() => {})', {}, { timeoutMs: 5000 });
    // Waiting for the timeout would have failed with the time limit instead.
    expect(errorOf(result).message).toMatch(/never settles/);
  });

  it('refuses invalid requests before running anything', async () => {
    const bigint = await sandbox.run({ source: 'export default () => ({})', language: 'javascript', inputs: { n: 1n } });
    expect(errorOf(bigint).message).toMatch(/inputs must be JSON-serialisable/);
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(errorOf(await js('export default () => ({})', circular)).message).toMatch(/JSON-serialisable/);
    expect(errorOf(await js('export default () => ({})', {}, { timeoutMs: -1 })).message).toMatch(/timeoutMs must be/);
    expect(errorOf(await js('export default () => ({})', {}, { timeout: 5 } as never)).message).toMatch(/unknown code step limit/);
    const badLanguage = await sandbox.run({ source: '', language: 'python', inputs: {} } as never);
    expect(errorOf(badLanguage).message).toMatch(/language/);
  });
});

describe('cancelling', () => {
  it('cancels a running call through its AbortSignal and keeps working', async () => {
    const controller = new AbortController();
    const cancelled = sandbox.run({ source: 'export default () => { for (;;) {} }', language: 'javascript', inputs: {}, limits: { timeoutMs: 20_000 } }, controller.signal);
    setTimeout(() => controller.abort(), 100);
    expect(errorOf(await cancelled).message).toBe('cancelled');
    expect(outputsOf(await js('export default () => ({ ok: true })'))).toEqual({ ok: true });
  });

  it('resolves an already aborted signal without running', async () => {
    const result = await sandbox.run({ source: 'export default () => ({})', language: 'javascript', inputs: {} }, AbortSignal.abort());
    expect(errorOf(result).message).toBe('cancelled');
    expect(result.durationMs).toBe(0);
  });

  it('cancels a call still waiting for a worker', async () => {
    const busy = [1, 2].map(() => js('export default () => { for (;;) {} }', {}, { timeoutMs: 300 }));
    const controller = new AbortController();
    const progress: string[] = [];
    // Longer than the in-process budget, so it is moved to the (busy) workers and waits.
    const source = 'export default () => { const end = Date.now() + 50; while (Date.now() < end) {} return {} }';
    const request: SandboxRequest = { source, language: 'javascript', inputs: {}, onQueued: () => progress.push('queued'), onStart: () => progress.push('started') };
    const queued = sandbox.run(request, controller.signal);
    expect(progress).toEqual(['queued']);
    controller.abort();
    expect(errorOf(await queued).message).toBe('cancelled');
    expect(progress).toEqual(['queued']);
    for (const result of await Promise.all(busy)) expect(errorOf(result).limit).toBe('timeout');
  });
});

describe('the warm pool', () => {
  it('reuses its workers for 50 sequential calls', async () => {
    for (let index = 0; index < 50; index += 1) {
      expect(outputsOf(await js('export default (inputs) => ({ y: inputs.x * 2 })', { x: index }))).toEqual({ y: index * 2 });
    }
  });

  it('runs calls concurrently across workers', async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, index) => js('export default async (inputs) => ({ y: inputs.x })', { x: index })),
    );
    expect(results.map((result) => outputsOf(result)['y'])).toEqual(Array.from({ length: 12 }, (_, index) => index));
  });

  it('does not leak globals, prototypes or module state between calls', async () => {
    const dirty = `let refused = 0;
      for (const attempt of [() => { globalThis.leaked = 1 }, () => { Array.prototype.sum = function () { return 1 } },
        () => { Object.prototype.polluted = true }, () => { JSON.stringify = () => '"hijacked"' }, () => { console.log = () => {} }]) {
        try { attempt() } catch { refused += 1 }
      }
      let calls = 0;
      export default () => ({ done: true, refused, calls: ++calls })`;
    for (let index = 0; index < 4; index += 1) expect(outputsOf(await js(dirty))).toEqual({ done: true, refused: 5, calls: 1 });
    const check = `export default () => { console.log('still here'); return {
      leaked: typeof globalThis.leaked, sum: typeof [].sum, polluted: ({}).polluted === undefined, json: JSON.stringify({ a: 1 }) } }`;
    for (let index = 0; index < 4; index += 1) {
      const result = await js(check);
      expect(outputsOf(result)).toEqual({ leaked: 'undefined', sum: 'undefined', polluted: true, json: '{"a":1}' });
      expect(result.logs).toEqual([{ level: 'log', text: 'still here' }]);
    }
  });

  it('exposes its default limits and refuses calls after close', async () => {
    expect(DEFAULT_SANDBOX_LIMITS).toEqual({
      timeoutMs: 5000,
      memoryBytes: 32 * 1024 * 1024,
      stackBytes: 512 * 1024,
      outputBytes: 1024 * 1024,
      consoleBytes: 256 * 1024,
      consoleLines: 1000,
    });
    const closing = createSandbox({ poolSize: 1 });
    const running = closing.run({ source: 'export default () => { for (;;) {} }', language: 'javascript', inputs: {} });
    await closing.close();
    expect(errorOf(await running).message).toBe('sandbox is closed');
    expect(errorOf(await closing.run({ source: '', language: 'javascript', inputs: {} })).message).toBe('sandbox is closed');
  });
});
