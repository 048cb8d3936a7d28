import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serializeFlow } from '../../shared/canonical.ts';
import type { Flow } from '../../shared/flow.ts';
import { basicFlow } from '../../shared/testing/flow-builder.ts';
import { fmtCommand } from './fmt-command.ts';
import type { CliIo } from './output.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

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

/** The basic flow as a person might leave it: nodes and edges out of order, fractional positions, tabs. */
function untidy(): { flow: Flow; text: string } {
  const document = basicFlow().build();
  document.nodes.reverse();
  document.edges.reverse();
  document.nodes[0]!.position = { x: 600.4, y: 19.6 };
  return { flow: document, text: JSON.stringify(document, null, '\t') };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-fmt-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text, 'utf8');
  return path;
}

describe('weft fmt', () => {
  it('rewrites a non-canonical file into canonical form', async () => {
    const { flow, text } = untidy();
    const path = await file('untidy.flow.json', text);
    const capture = captureIo();
    expect(await fmtCommand([path], capture.io)).toBe(0);
    const after = await readFile(path, 'utf8');
    expect(after).toBe(serializeFlow(flow));
    expect(after).toContain('"position": { "x": 600, "y": 20 }');
    expect(capture.out()).toBe(`${path}: formatted\n`);
    expect(capture.written).toEqual([path]);
  });

  it('leaves a canonical file alone and exits 0', async () => {
    const text = serializeFlow(basicFlow().build());
    const path = await file('tidy.flow.json', text);
    const capture = captureIo();
    expect(await fmtCommand([path], capture.io)).toBe(0);
    expect(capture.out()).toBe('');
    expect(capture.written).toEqual([]);
    expect(await readFile(path, 'utf8')).toBe(text);
  });

  it('is idempotent: a second run changes nothing', async () => {
    const path = await file('untidy.flow.json', untidy().text);
    await fmtCommand([path], captureIo().io);
    const once = await readFile(path, 'utf8');
    const capture = captureIo();
    expect(await fmtCommand([path], capture.io)).toBe(0);
    expect(capture.written).toEqual([]);
    expect(await readFile(path, 'utf8')).toBe(once);
  });

  it('leaves the example flows unchanged (they are canonical)', async () => {
    const examples = (await readdir(join(repoRoot, 'flows'))).filter((name) => name.endsWith('.flow.json'));
    const copies = await Promise.all(examples.map(async (name) => file(name, await readFile(join(repoRoot, 'flows', name), 'utf8'))));
    const capture = captureIo();
    expect(await fmtCommand(['--check', ...copies], capture.io)).toBe(0);
    expect(await fmtCommand(copies, capture.io)).toBe(0);
    expect(capture.written).toEqual([]);
    expect(capture.out()).toBe('');
  });

  describe('--check', () => {
    it('changes nothing and exits 2 naming the file that is not canonical', async () => {
      const { text } = untidy();
      const path = await file('untidy.flow.json', text);
      const capture = captureIo();
      expect(await fmtCommand(['--check', path], capture.io)).toBe(2);
      expect(await readFile(path, 'utf8')).toBe(text);
      expect(capture.written).toEqual([]);
      expect(capture.out()).toBe(`${path}: not in canonical form (run: weft fmt ${path})\n`);
    });

    it('exits 0 when every file is canonical', async () => {
      const path = await file('tidy.flow.json', serializeFlow(basicFlow().build()));
      const capture = captureIo();
      expect(await fmtCommand([path, '--check'], capture.io)).toBe(0);
      expect(capture.out()).toBe('');
    });

    it('names only the files that are not canonical', async () => {
      const tidy = await file('tidy.flow.json', serializeFlow(basicFlow().build()));
      const messy = await file('messy.flow.json', untidy().text);
      const capture = captureIo();
      expect(await fmtCommand([tidy, '--check', messy], capture.io)).toBe(2);
      expect(capture.out()).toContain(messy);
      expect(capture.out()).not.toContain(tidy);
    });

    it('counts a missing trailing newline as not canonical', async () => {
      const text = serializeFlow(basicFlow().build()).trimEnd();
      const path = await file('no-newline.flow.json', text);
      const capture = captureIo();
      expect(await fmtCommand(['--check', path], capture.io)).toBe(2);
      expect(await readFile(path, 'utf8')).toBe(text);
    });
  });

  describe('a file with problems', () => {
    function broken(): string {
      const document = untidy().flow;
      document.nodes[1]!.config.apiKey = 'sk-secret';
      return JSON.stringify(document, null, '\t');
    }

    it('is never rewritten, and its problems are listed', async () => {
      const text = broken();
      const path = await file('broken.flow.json', text);
      const capture = captureIo();
      expect(await fmtCommand([path], capture.io)).toBe(2);
      expect(await readFile(path, 'utf8')).toBe(text);
      expect(capture.written).toEqual([]);
      expect(capture.out()).toContain(`${path}: not formatted, it has problems:\n`);
      expect(capture.out()).toContain('[config] (node classify)');
      expect(capture.out()).toContain('unknown key "apiKey"');
    });

    it('is not rewritten with --check either', async () => {
      const text = broken();
      const path = await file('broken.flow.json', text);
      const capture = captureIo();
      expect(await fmtCommand(['--check', path], capture.io)).toBe(2);
      expect(await readFile(path, 'utf8')).toBe(text);
    });

    it('is not rewritten when it is not JSON, and says where', async () => {
      const text = '{\n  "schemaVersion": 1,\n  "id": "x",\n  "name": "y"\n  "nodes": []\n}\n';
      const path = await file('not-json.flow.json', text);
      const capture = captureIo();
      expect(await fmtCommand([path], capture.io)).toBe(2);
      expect(await readFile(path, 'utf8')).toBe(text);
      expect(capture.out()).toContain('[invalid-json] not valid JSON at line 5, column 3');
    });

    it('does not stop the other files from being formatted', async () => {
      const bad = await file('broken.flow.json', broken());
      const messy = await file('messy.flow.json', untidy().text);
      const capture = captureIo();
      expect(await fmtCommand([bad, messy], capture.io)).toBe(2);
      expect(capture.written).toEqual([messy]);
      expect(await readFile(messy, 'utf8')).toBe(serializeFlow(untidy().flow));
    });
  });

  it('exits 2 on a file it cannot read, saying why', async () => {
    const missing = join(dir, 'missing.flow.json');
    const capture = captureIo();
    expect(await fmtCommand([missing], capture.io)).toBe(2);
    expect(capture.err()).toBe(`file not found: ${missing}\n`);
  });

  it.each([[[]], [['--check']]])('exits 2 with usage when given no file (%j)', async (args) => {
    const capture = captureIo();
    expect(await fmtCommand(args, capture.io)).toBe(2);
    expect(capture.err()).toBe('usage: weft fmt <file...> [--check]\n');
  });
});
