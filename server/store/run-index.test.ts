/**
 * The run index on disk: each write is durable (temporary file, fsync, rename, fsync of the
 * directory) and a write that fails leaves the previous file as it was.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as promises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AtomicWriteFs } from './atomic-write.ts';
import { RunIndex, type RunIndexEntry } from './run-index.ts';

let directory: string;
afterEach(() => rmSync(directory, { recursive: true, force: true }));

function entry(runId: string): RunIndexEntry {
  return { runId, flowId: 'triage', flowName: 'Triage', flowHash: 'abc', status: 'succeeded', startedAt: new Date(0).toISOString(), costUsd: 0 };
}

/** The real file operations, with every open, fsync and rename written down in order. */
function recordingFs(operations: string[]): AtomicWriteFs {
  const name = (path: unknown): string => (String(path) === directory ? '<dir>' : String(path).startsWith(`${directory}/.`) ? '<temporary>' : String(path).slice(directory.length + 1));
  return {
    open: (async (path: string, ...rest: unknown[]) => {
      const handle = await (promises.open as (...args: unknown[]) => Promise<promises.FileHandle>)(path, ...rest);
      const sync = handle.sync.bind(handle);
      handle.sync = async () => {
        await sync();
        operations.push(`fsync ${name(path)}`);
      };
      return handle;
    }) as typeof promises.open,
    rename: (async (from: string, to: string) => {
      await promises.rename(from, to);
      operations.push(`rename ${name(from)} -> ${name(to)}`);
    }) as typeof promises.rename,
    unlink: promises.unlink,
  };
}

/**
 * Makes the file at `path` impossible to replace: for root, which ignores modes, the file gets the
 * immutable attribute (the temporary file is then written and the rename fails); for anyone else
 * its directory becomes read-only. Returns the undo, or undefined where the attribute cannot be set.
 */
function makeUnreplaceable(path: string): (() => void) | undefined {
  if (process.getuid?.() !== 0) {
    chmodSync(dirname(path), 0o555);
    return () => chmodSync(dirname(path), 0o755);
  }
  if (spawnSync('chattr', ['+i', path]).status !== 0) return undefined;
  return () => void spawnSync('chattr', ['-i', path]);
}

describe('RunIndex writes', () => {
  it('fsyncs the new file before renaming it into place, then fsyncs the directory', async () => {
    directory = mkdtempSync(join(tmpdir(), 'weft-index-'));
    const operations: string[] = [];
    const { index } = await RunIndex.open(join(directory, 'runs-index.json'), () => undefined, recordingFs(operations));
    index.put(entry('run-1'));
    await index.write();
    expect(operations).toEqual(['fsync <temporary>', 'rename <temporary> -> runs-index.json', 'fsync <dir>']);
    // Complete JSON the moment the write resolves, and nothing temporary left beside it.
    const written = JSON.parse(readFileSync(join(directory, 'runs-index.json'), 'utf8'));
    expect(written).toEqual({ version: 1, runs: { 'run-1': entry('run-1') } });
    expect(readdirSync(directory)).toEqual(['runs-index.json']);
  });

  it('leaves the previous file whole when a write fails, and writes it with the next one', async () => {
    directory = mkdtempSync(join(tmpdir(), 'weft-index-'));
    const path = join(directory, 'runs-index.json');
    // Where the file cannot be made unreplaceable (root without the immutable attribute), the
    // rename is sent to a directory that does not exist: still a real rename that really fails.
    let breakRename = false;
    const fs: AtomicWriteFs = {
      open: promises.open,
      unlink: promises.unlink,
      rename: ((from: string, to: string) => promises.rename(from, breakRename ? join(directory, 'missing', 'runs-index.json') : to)) as typeof promises.rename,
    };
    const { index } = await RunIndex.open(path, () => undefined, fs);
    index.put(entry('run-1'));
    await index.write();
    const before = readFileSync(path, 'utf8');
    const undo =
      makeUnreplaceable(path) ??
      (() => {
        breakRename = true;
        return () => (breakRename = false);
      })();
    try {
      index.put(entry('run-2'));
      await expect(index.write()).rejects.toThrow(/EACCES|EPERM|ENOENT/);
      expect(readFileSync(path, 'utf8')).toBe(before);
      // No temporary file is left behind either.
      expect(readdirSync(directory)).toEqual(['runs-index.json']);
      expect(index.dirty).toBe(true);
    } finally {
      undo();
    }
    await index.write();
    expect(Object.keys(JSON.parse(readFileSync(path, 'utf8')).runs)).toEqual(['run-1', 'run-2']);
    const reopened = await RunIndex.open(path, () => undefined);
    expect(reopened.index.get('run-2')).toEqual(entry('run-2'));
  });
});

describe('RunIndex lookups', () => {
  it('finds only runs it holds: an id naming an inherited property finds nothing', async () => {
    directory = mkdtempSync(join(tmpdir(), 'weft-index-'));
    const { index } = await RunIndex.open(join(directory, 'runs.json'), () => {});
    index.put(entry('run-a'));
    for (const runId of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(index.get(runId), runId).toBeUndefined();
      index.remove(runId);
    }
    expect(index.list().map((run) => run.runId)).toEqual(['run-a']);
    expect(index.get('run-a')).toEqual(entry('run-a'));
  });
});
