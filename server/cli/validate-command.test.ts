import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serializeFlow } from '../../shared/canonical.ts';
import { basicFlow, flow } from '../../shared/testing/flow-builder.ts';
import type { CliIo } from './output.ts';
import { describeProblem, validateCommand } from './validate-command.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const examples = (await readdir(join(repoRoot, 'flows'))).filter((name) => name.endsWith('.flow.json')).sort().map((name) => join(repoRoot, 'flows', name));

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  const written: string[] = [];
  const io: CliIo = {
    out: (text) => void out.push(text),
    err: (text) => void err.push(text),
    readFile: (path) => readFile(path, 'utf8'),
    writeFile: async (path, text) => {
      written.push(path);
      await writeFile(path, text, 'utf8');
    },
    env: {},
  };
  return { io, out: () => out.join(''), err: () => err.join(''), written };
}

/** A flow whose number input feeds a string port of a model. */
const mismatched = flow('mismatch')
  .input('in', { count: 'number' })
  .model('say', { inputs: { text: 'string' } })
  .output('out', { answer: 'string' })
  .wire('in.count', 'say.text')
  .wire('say.result', 'out.answer')
  .build();

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-validate-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text, 'utf8');
  return path;
}

describe('weft validate', () => {
  it('exits 0 on the example flows, saying each is valid', async () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
    const capture = captureIo();
    expect(await validateCommand(examples, capture.io)).toBe(0);
    const counts: Record<string, number> = { 'invoice-approval': 3, 'model-cascade': 1, 'ticket-triage': 3 };
    // Examples without a cases file (the composition examples) get only their own line.
    const casesLine = (path: string) => {
      const count = counts[path.split('/').at(-1)!.replace('.flow.json', '')];
      return count === undefined ? '' : `${path.replace('.flow.json', '.cases.jsonl')}: ${count} cases valid\n`;
    };
    expect(capture.out()).toBe(examples.map((path) => `${path}: valid\n${casesLine(path)}`).join(''));
    expect(capture.err()).toBe('');
    expect(capture.written).toEqual([]);
  });

  it('exits 2 when the cases beside a flow do not fit it, naming the line or the case', async () => {
    const path = await file('mismatch.flow.json', serializeFlow(basicFlow().build()));
    const id = basicFlow().build().id;
    const flowPath = await file(`${id}.flow.json`, serializeFlow(basicFlow().build()));
    await file(`${id}.cases.jsonl`, '{"name":"one","inputs":{"nope":1},"expect":{}}\n');
    const capture = captureIo();
    expect(await validateCommand([flowPath], capture.io)).toBe(2);
    expect(capture.out()).toContain(`${join(dir, `${id}.cases.jsonl`)}: `);
    expect(capture.out()).toContain('case "one": input "nope" is not a field of this flow');
    await file(`${id}.cases.jsonl`, '{"name":"one","inputs":{},"expect":{"fired":["x"]}}\n');
    const second = captureIo();
    expect(await validateCommand([flowPath, path], second.io)).toBe(2);
    expect(second.out()).toContain('line 1: expect.fired[0]: a port is written node.port, e.g. classify.unsure');
  });

  it('exits 2 on a bad file, naming the rule, node and port', async () => {
    const path = await file('mismatch.flow.json', serializeFlow(mismatched));
    const capture = captureIo();
    expect(await validateCommand([path], capture.io)).toBe(2);
    expect(capture.out()).toBe(
      `${path}: 1 problem\n  [type-mismatch] (node say, port text) wire in.count -> say.text: number cannot feed string: add a code node to convert\n`,
    );
  });

  it('lists every problem of a file, counting them', async () => {
    const document = basicFlow().build();
    document.nodes[1]!.config.apiKey = 'sk-x';
    document.edges.push({ from: 'ghost.text', to: 'result.answer' });
    document.nodes.push({ id: 'extra', kind: 'approval', position: { x: 0, y: 0 }, config: { title: 'x' } });
    const path = await file('many.flow.json', JSON.stringify(document, null, 2));
    const capture = captureIo();
    expect(await validateCommand([path], capture.io)).toBe(2);
    const output = capture.out();
    expect(output).toMatch(new RegExp(`^${path.replace(/[.\\]/g, '\\$&')}: \\d+ problems\\n`));
    expect(output).toContain('  [config] (node classify) node "classify" (model): nodes[1].config: unknown key "apiKey"');
    expect(output).toContain('  [missing-node] (node ghost) wire ghost.text -> result.answer: there is no node "ghost"');
    expect(output).toContain('  [unwired-input] (node extra, port payload) node "extra": required input "payload" has no wire');
  });

  it('says where invalid JSON breaks, by line and column', async () => {
    const path = await file('broken.flow.json', '{\n  "schemaVersion": 1,\n  "id": "x",\n  "name": "y"\n  "nodes": []\n}\n');
    const capture = captureIo();
    expect(await validateCommand([path], capture.io)).toBe(2);
    expect(capture.out()).toContain(`${path}: 1 problem\n  [invalid-json] not valid JSON at line 5, column 3: `);
  });

  it('refuses a newer schemaVersion, saying to upgrade', async () => {
    const path = await file('future.flow.json', serializeFlow(basicFlow().build()).replace('"schemaVersion": 1', '"schemaVersion": 2'));
    const capture = captureIo();
    expect(await validateCommand([path], capture.io)).toBe(2);
    expect(capture.out()).toMatch(/\[schema-version\] this flow uses schemaVersion 2, newer than this Weft understands \(1\): upgrade Weft/);
  });

  it('checks every file and exits 2 when any one is bad', async () => {
    const good = await file('good.flow.json', serializeFlow(basicFlow().build()));
    const bad = await file('bad.flow.json', serializeFlow(mismatched));
    const capture = captureIo();
    expect(await validateCommand([bad, good], capture.io)).toBe(2);
    expect(capture.out()).toContain(`${bad}: 1 problem\n`);
    expect(capture.out()).toContain(`${good}: valid\n`);
  });

  it('exits 2 on a file it cannot read, saying why on stderr, and still checks the rest', async () => {
    const good = await file('good.flow.json', serializeFlow(basicFlow().build()));
    const missing = join(dir, 'missing.flow.json');
    const capture = captureIo();
    expect(await validateCommand([missing, good], capture.io)).toBe(2);
    expect(capture.err()).toBe(`file not found: ${missing}\n`);
    expect(capture.out()).toBe(`${good}: valid\n`);
  });

  it('exits 2 with usage when given no file', async () => {
    const capture = captureIo();
    expect(await validateCommand([], capture.io)).toBe(2);
    expect(capture.err()).toBe('usage: weft validate <file...>\n');
  });

  it('never writes to the files it checks', async () => {
    const text = JSON.stringify(basicFlow().build());
    const path = await file('loose.flow.json', text);
    const capture = captureIo();
    expect(await validateCommand([path], capture.io)).toBe(0);
    expect(capture.written).toEqual([]);
    expect(await readFile(path, 'utf8')).toBe(text);
  });
});

describe('describeProblem', () => {
  it('shows the rule, then node and port where known, then the message', () => {
    expect(describeProblem({ rule: 'unwired-input', message: 'm', path: 'nodes[0]', nodeId: 'n', port: 'p' })).toBe('  [unwired-input] (node n, port p) m');
    expect(describeProblem({ rule: 'config', message: 'm', path: 'nodes[0].config', nodeId: 'n' })).toBe('  [config] (node n) m');
    expect(describeProblem({ rule: 'structure', message: 'm', path: 'name' })).toBe('  [structure] m');
  });
});

describe('the weft bin', () => {
  function weft(...args: string[]) {
    return spawnSync(process.execPath, ['bin/weft.mjs', ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
  }

  it('`weft validate flows/*.flow.json` exits 0', () => {
    const files = examples.map((path) => path.slice(repoRoot.length));
    expect(files.every((name) => name.startsWith('flows/'))).toBe(true);
    const result = weft('validate', ...files);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    for (const name of files) expect(result.stdout).toContain(`${name}: valid`);
  });

  it('`weft validate bad.flow.json` exits 2, naming node and port', async () => {
    const path = await file('mismatch.flow.json', serializeFlow(mismatched));
    const result = weft('validate', path);
    expect(result.status).toBe(2);
    expect(result.stdout).toContain('[type-mismatch] (node say, port text)');
  });
});
