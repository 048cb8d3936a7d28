/**
 * The designer reads a kind's config only through what the kind declares (`editors`,
 * `editorSupport`, `ports`, `summary`...): no client file names a field of one kind's config,
 * such as a code node's `config.language` or a model node's `config.inputs`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { KINDS } from './registry.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx)$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** Every top-level key of every kind's config schema. */
function configKeys(): string[] {
  const keys = new Set<string>();
  for (const kind of KINDS) {
    const schema = kind.configSchema as unknown;
    if (schema instanceof z.ZodObject) for (const key of Object.keys(schema.shape)) keys.add(key);
  }
  return [...keys];
}

export function configFieldReads(text: string, keys: readonly string[]): string[] {
  const names = keys.join('|');
  const pattern = new RegExp(`\\bconfig\\??\\.(?:${names})\\b|\\bconfig\\??\\.?\\[['"\`](?:${names})['"\`]\\]`);
  return text.split('\n').filter((line) => pattern.test(line));
}

describe("kinds' config fields outside the kinds", () => {
  it('finds a read when there is one', () => {
    expect(configKeys()).toEqual(expect.arrayContaining(['language', 'inputs', 'flow', 'cases']));
    expect(configFieldReads("language={config.language === 'javascript' ? 'javascript' : 'typescript'}", ['language'])).toHaveLength(1);
    expect(configFieldReads("const inputs = Array.isArray(config?.inputs) ? [] : [];", ['inputs'])).toHaveLength(1);
    expect(configFieldReads("const x = config['flow'];", ['flow'])).toHaveLength(1);
    expect(configFieldReads('const x = node.config;', ['flow'])).toEqual([]);
  });

  it('no client file reads a field of a kind\'s config', () => {
    const keys = configKeys();
    const offenders = sourceFiles(join(ROOT, 'client')).flatMap((path) =>
      configFieldReads(readFileSync(path, 'utf8'), keys).map((line) => `${relative(ROOT, path).split(sep).join('/')}: ${line.trim()}`),
    );
    expect(offenders).toEqual([]);
  });
});
