/**
 * A kind's knowledge stays in its definition (shared/kinds/), its executor (server/executors/) and
 * its editors: no other file compares a node's kind to a kind's name. A layer that needs to know
 * something about a kind asks the registry for a declaration instead.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KINDS } from './registry.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCANNED = ['bench', 'bin', 'client', 'e2e', 'scripts', 'server', 'shared'];
/** Where naming a kind is the point. */
const ALLOWED = ['shared/kinds/', 'server/executors/'];

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return /\.(ts|tsx|mjs|js)$/.test(entry.name) ? [path] : [];
  });
}

const names = KINDS.map((kind) => kind.kind).join('|');
const quoted = `['"\`](?:${names})['"\`]`;
const comparisons = [
  new RegExp(`\\bkind\\s*[!=]==?\\s*${quoted}`),
  new RegExp(`${quoted}\\s*[!=]==?\\s*[\\w.?!]*\\bkind\\b`),
];
const kindSwitch = /switch\s*\([^)]*\bkind\s*\)/;
const kindCase = new RegExp(`case\\s+${quoted}\\s*:`);

export function kindNameComparisons(text: string): string[] {
  const found = text.split('\n').filter((line) => comparisons.some((pattern) => pattern.test(line)));
  if (kindSwitch.test(text)) found.push(...text.split('\n').filter((line) => kindCase.test(line)));
  return found;
}

describe('kind names outside the kinds', () => {
  it('finds a comparison when there is one', () => {
    expect(kindNameComparisons("if (node.kind !== 'model') continue;")).toHaveLength(1);
    expect(kindNameComparisons("const isInput = 'input' === source?.kind;")).toHaveLength(1);
    expect(kindNameComparisons("switch (node.kind) {\n  case 'code':\n    break;\n}")).toEqual(["  case 'code':"]);
    expect(kindNameComparisons("if (reply.kind === 'hang') return;")).toEqual([]);
  });

  it('no file outside shared/kinds/ and server/executors/ compares a node kind to a name', () => {
    const offenders = SCANNED.flatMap((directory) => sourceFiles(join(ROOT, directory)))
      .map((path) => relative(ROOT, path).split(sep).join('/'))
      .filter((path) => !ALLOWED.some((allowed) => path.startsWith(allowed)))
      .flatMap((path) => kindNameComparisons(readFileSync(join(ROOT, path), 'utf8')).map((line) => `${path}: ${line.trim()}`));
    expect(offenders).toEqual([]);
  });
});
