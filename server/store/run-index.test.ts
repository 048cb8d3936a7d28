/**
 * The run index on disk: a snapshot written durably (temporary file, fsync, rename, fsync of the
 * directory) plus a journal that each write appends to (O_DSYNC); a write that fails leaves the
 * previous files as they were, a torn journal tail is dropped and a corrupt line rebuilds the index.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as promises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AtomicWriteFs } from './atomic-write.ts';
import { journalPathFor, RunIndex, SNAPSHOT_SLICE, type RunIndexEntry } from './run-index.ts';
import { failingFs } from './testing/failing-disk.ts';

let directory: string;
afterEach(() => rmSync(directory, { recursive: true, force: true }));

function entry(runId: string, status: RunIndexEntry['status'] = 'succeeded', costUsd = 0): RunIndexEntry {
  return { runId, flowId: 'triage', flowName: 'Triage', flowHash: 'abc', status, startedAt: new Date(0).toISOString(), costUsd };
}

/**
 * The real file operations, with every write (file and bytes), fsync, truncate and rename written
 * down in order.
 */
function recordingFs(operations: string[], options: { failAfter?: (operation: string) => Error | undefined } = {}): AtomicWriteFs {
  const name = (path: unknown): string => (String(path) === directory ? '<dir>' : String(path).startsWith(`${directory}/.`) ? '<temporary>' : String(path).slice(directory.length + 1));
  const record = (operation: string): void => {
    operations.push(operation);
    const failure = options.failAfter?.(operation);
    if (failure) throw failure;
  };
  return {
    open: (async (path: string, ...rest: unknown[]) => {
      const handle = await (promises.open as (...args: unknown[]) => Promise<promises.FileHandle>)(path, ...rest);
      const sync = handle.sync.bind(handle);
      const write = handle.write.bind(handle) as (...args: unknown[]) => Promise<{ bytesWritten: number }>;
      const writeFile = handle.writeFile.bind(handle);
      const truncate = handle.truncate.bind(handle);
      handle.sync = async () => {
        await sync();
        record(`fsync ${name(path)}`);
      };
      handle.write = (async (...args: unknown[]) => {
        const result = await write(...args);
        record(`write ${name(path)} ${result.bytesWritten}`);
        return result;
      }) as typeof handle.write;
      handle.writeFile = (async (data: string | Uint8Array | Uint8Array[]) => {
        await writeFile(data as string | Uint8Array);
        record(`write ${name(path)} ${Array.isArray(data) ? data.reduce((bytes, chunk) => bytes + chunk.length, 0) : Buffer.byteLength(data)}`);
      }) as typeof handle.writeFile;
      handle.truncate = async (length?: number) => {
        await truncate(length);
        record(`truncate ${name(path)} ${length ?? 0}`);
      };
      return handle;
    }) as typeof promises.open,
    rename: (async (from: string, to: string) => {
      await promises.rename(from, to);
      record(`rename ${name(from)} -> ${name(to)}`);
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
  it('makes the snapshot with the first write: fsyncs the new file before renaming it into place, then fsyncs the directory', async () => {
    directory = mkdtempSync(join(tmpdir(), 'weft-index-'));
    const operations: string[] = [];
    const { index } = await RunIndex.open(join(directory, 'runs-index.json'), () => undefined, recordingFs(operations));
    index.put(entry('run-1'));
    await index.write();
    expect(operations).toEqual([expect.stringMatching(/^write <temporary> \d+$/), 'fsync <temporary>', 'rename <temporary> -> runs-index.json', 'fsync <dir>']);
    // Complete JSON the moment the write resolves, and nothing temporary left beside it.
    const written = JSON.parse(readFileSync(join(directory, 'runs-index.json'), 'utf8'));
    expect(written).toEqual({ version: 1, runs: { 'run-1': entry('run-1') } });
    expect(readdirSync(directory)).toEqual(['runs-index.json']);
  });

  it('makes the snapshot in slices, letting the event loop turn between them; it reads back as the same index', async () => {
    directory = mkdtempSync(join(tmpdir(), 'weft-index-'));
    const path = join(directory, 'runs-index.json');
    let turns = 0;
    let turnsBeforeFileOpened: number | undefined;
    const fs: AtomicWriteFs = {
      ...promises,
      open: ((...args: Parameters<typeof promises.open>) => {
        turnsBeforeFileOpened ??= turns;
        return promises.open(...args);
      }) as typeof promises.open,
    };
    const { index } = await RunIndex.open(path, () => undefined, fs);
    const count = 3 * SNAPSHOT_SLICE + 7;
    for (let n = 0; n < count; n += 1) index.put(entry(`run-${n}`, n % 2 === 0 ? 'succeeded' : 'failed', n / 1000));
    let done = false;
    const turn = (): void => {
      turns += 1;
      if (!done) setImmediate(turn);
    };
    setImmediate(turn);
    await index.write();
    done = true;
    // One stringify held the thread until the file was opened: no turn at all before it.
    expect(turnsBeforeFileOpened).toBeGreaterThanOrEqual(3);
    const runs: Record<string, RunIndexEntry> = {};
    for (let n = 0; n < count; n += 1) runs[`run-${n}`] = entry(`run-${n}`, n % 2 === 0 ? 'succeeded' : 'failed', n / 1000);
    const text = readFileSync(path, 'utf8');
    // One line of JSON, the same document as one stringify of the index (the runs in start order).
    expect(text.indexOf('\n')).toBe(text.length - 1);
    expect(JSON.parse(text)).toEqual({ version: 1, runs });
    expect((await RunIndex.open(path, () => undefined)).index.list()).toEqual(index.list());
  });

  it('leaves the previous snapshot whole when rewriting it fails, keeps the changes in the journal, and rewrites it with the next write', async () => {
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
    // Compacted once the journal passes 2 KB (and the snapshot): fourteen entries of ~155 bytes.
    const { index } = await RunIndex.open(path, () => undefined, fs, { minCompactBytes: 2048 });
    index.put(entry('run-1'));
    await index.write();
    index.put(entry('run-2'));
    await index.write();
    const before = readFileSync(path, 'utf8');
    expect(statSync(journalPathFor(path)).size).toBeGreaterThan(0);
    const undo =
      makeUnreplaceable(path) ??
      (() => {
        breakRename = true;
        return () => (breakRename = false);
      })();
    const names = Array.from({ length: 14 }, (_, i) => `run-${i + 3}`);
    try {
      for (const runId of names) index.put(entry(runId));
      await expect(index.write()).rejects.toThrow(/EACCES|EPERM|ENOENT/);
      expect(readFileSync(path, 'utf8')).toBe(before);
      // No temporary file is left behind either.
      expect(readdirSync(directory).sort()).toEqual(['runs-index.journal', 'runs-index.json']);
      // The changes were appended before the rewrite was tried: on disk already.
      expect(index.dirty).toBe(false);
      const meanwhile = await RunIndex.open(path, () => undefined);
      expect(meanwhile.index.get('run-16')).toEqual(entry('run-16'));
    } finally {
      undo();
    }
    index.put(entry('run-17'));
    await index.write();
    expect(Object.keys(JSON.parse(readFileSync(path, 'utf8')).runs).sort()).toEqual(['run-1', 'run-2', ...names, 'run-17'].sort());
    expect(statSync(journalPathFor(path)).size).toBe(0);
    const reopened = await RunIndex.open(path, () => undefined);
    expect(reopened.index.list()).toEqual(index.list());
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

/** An index of `count` runs written once (its snapshot made), and the recorded operations after that. */
async function indexOf(count: number, options: { minCompactBytes?: number; failAfter?: (operation: string) => Error | undefined } = {}) {
  directory = mkdtempSync(join(tmpdir(), 'weft-index-'));
  const path = join(directory, 'runs-index.json');
  const operations: string[] = [];
  const { index } = await RunIndex.open(path, () => undefined, recordingFs(operations, options), options);
  for (let i = 0; i < count; i++) index.put(entry(`run-${i}`, 'running'));
  await index.write();
  operations.length = 0;
  return { index, path, journal: journalPathFor(path), operations };
}

function journalLines(path: string): unknown[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

describe('RunIndex journal', () => {
  it('writes one change as one journal line, in one write, and leaves the snapshot alone', async () => {
    const { index, path, journal, operations } = await indexOf(1_000);
    const snapshot = statSync(path, { bigint: true });
    const snapshotText = readFileSync(path, 'utf8');
    index.put(entry('run-5', 'succeeded', 0.5));
    await index.write();
    const line = `${JSON.stringify({ put: entry('run-5', 'succeeded', 0.5) })}\n`;
    // A new journal: its directory entry is made durable first; O_DSYNC makes the write durable.
    expect(operations).toEqual(['fsync <dir>', `write runs-index.journal ${Buffer.byteLength(line)}`]);
    expect(readFileSync(journal, 'utf8')).toBe(line);
    operations.length = 0;
    index.put(entry('run-6', 'failed', 0.25));
    await index.write();
    const second = `${JSON.stringify({ put: entry('run-6', 'failed', 0.25) })}\n`;
    expect(operations).toEqual([`write runs-index.journal ${Buffer.byteLength(second)}`]);
    expect(readFileSync(journal, 'utf8')).toBe(line + second);
    const after = statSync(path, { bigint: true });
    expect([after.ino, after.mtimeNs]).toEqual([snapshot.ino, snapshot.mtimeNs]);
    expect(readFileSync(path, 'utf8')).toBe(snapshotText);
  });

  it('opens as the snapshot with the journal replayed over it: puts, changes and removes, the last line about a run winning', async () => {
    const { index, path, journal } = await indexOf(3);
    index.put(entry('run-1', 'waiting'));
    index.remove('run-2');
    index.put(entry('run-new', 'running'));
    await index.write();
    index.put(entry('run-1', 'succeeded', 1.25));
    await index.write();
    expect(journalLines(journal)).toEqual([{ put: entry('run-1', 'waiting') }, { remove: 'run-2' }, { put: entry('run-new', 'running') }, { put: entry('run-1', 'succeeded', 1.25) }]);
    // The snapshot still has what the first write put there.
    expect(Object.keys(JSON.parse(readFileSync(path, 'utf8')).runs)).toEqual(['run-0', 'run-1', 'run-2']);
    const warnings: string[] = [];
    const reopened = await RunIndex.open(path, (line) => warnings.push(line));
    expect(reopened.index.list()).toEqual(index.list());
    expect(reopened.index.get('run-1')).toEqual(entry('run-1', 'succeeded', 1.25));
    expect(reopened.index.get('run-2')).toBeUndefined();
    expect(reopened.index.get('run-new')).toEqual(entry('run-new', 'running'));
    expect(warnings).toEqual([]);
  });

  it('drops a torn last journal line (a write cut short by a crash), cuts it off, and appends after the whole lines', async () => {
    const { index, path, journal } = await indexOf(2);
    index.put(entry('run-0', 'succeeded'));
    await index.write();
    const whole = statSync(journal).size;
    appendFileSync(journal, '{"put": {"runId": "run-1", "flowId": "tri');
    const warnings: string[] = [];
    const reopened = await RunIndex.open(path, (line) => warnings.push(line));
    expect(reopened.index.get('run-0')).toEqual(entry('run-0', 'succeeded'));
    expect(reopened.index.get('run-1')).toEqual(entry('run-1', 'running'));
    expect(warnings.join('\n')).toMatch(/runs-index\.journal ended in a half written line \(41 bytes.*dropped/);
    expect(statSync(journal).size).toBe(whole);
    reopened.index.put(entry('run-1', 'failed'));
    await reopened.index.write();
    const again = await RunIndex.open(path, (line) => warnings.push(line));
    expect(again.index.get('run-1')).toEqual(entry('run-1', 'failed'));
    expect(warnings).toHaveLength(1);
  });

  it('handles a journal line that does not parse as a corrupt index: both files kept aside, the index starts empty for a rebuild from the logs', async () => {
    const { index, path, journal } = await indexOf(2);
    index.put(entry('run-0', 'succeeded'));
    await index.write();
    appendFileSync(journal, '{"put": {"runId": 5}}\n');
    appendFileSync(journal, `${JSON.stringify({ put: entry('run-1', 'failed') })}\n`);
    const warnings: string[] = [];
    const reopened = await RunIndex.open(path, (line) => warnings.push(line));
    expect(reopened.index.list()).toEqual([]);
    expect(reopened.keptAside).toMatch(/runs-index\.json\.corrupt-/);
    expect(warnings.join('\n')).toMatch(/the run index .* is corrupt \(.*runs-index\.journal line 2: put\.runId: .*\)\. It was kept as .*runs-index\.json\.corrupt-.* and .*runs-index\.journal\.corrupt-.*rebuilt from the run logs/);
    const names = readdirSync(directory).sort();
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(/^runs-index\.journal\.corrupt-/);
    expect(names[1]).toMatch(/^runs-index\.json\.corrupt-/);
    // The rebuilt index is written as a fresh snapshot.
    reopened.index.put(entry('run-9'));
    await reopened.index.write();
    expect(Object.keys(JSON.parse(readFileSync(path, 'utf8')).runs)).toEqual(['run-9']);
  });

  it('treats a journal line for the run id "__proto__" as corrupt instead of replaying it onto the prototype', async () => {
    const { path, journal } = await indexOf(1);
    appendFileSync(journal, `${JSON.stringify({ put: entry('__proto__', 'failed') })}\n`);
    const warnings: string[] = [];
    const reopened = await RunIndex.open(path, (line) => warnings.push(line));
    expect(reopened.index.list()).toEqual([]);
    expect(reopened.index.get('status')).toBeUndefined();
    expect(warnings.join('\n')).toMatch(/runs-index\.journal line 1: put\.runId: "__proto__" is not a run id/);
  });

  it('rewrites the snapshot and empties the journal once the journal outgrows max(snapshot, the minimum)', async () => {
    const { index, path, journal, operations } = await indexOf(20, { minCompactBytes: 1024 });
    const snapshotBytes = statSync(path).size;
    expect(snapshotBytes).toBeGreaterThan(1024);
    let writes = 0;
    while (!operations.some((operation) => operation.startsWith('rename'))) {
      expect(statSync(journal, { throwIfNoEntry: false })?.size ?? 0).toBeLessThanOrEqual(snapshotBytes);
      index.put(entry(`run-${writes % 20}`, 'succeeded', ++writes));
      await index.write();
      expect(writes).toBeLessThan(100);
    }
    // The last line went to the journal first, then the snapshot was rewritten and the journal emptied.
    expect(operations.slice(-6)).toEqual([
      expect.stringMatching(/^write runs-index\.journal \d+$/),
      expect.stringMatching(/^write <temporary> \d+$/),
      'fsync <temporary>',
      'rename <temporary> -> runs-index.json',
      'fsync <dir>',
      'truncate runs-index.journal 0',
    ]);
    expect(statSync(journal).size).toBe(0);
    expect(JSON.parse(readFileSync(path, 'utf8')).runs).toEqual(Object.fromEntries(index.list().map((run) => [run.runId, run])));
    const reopened = await RunIndex.open(path, () => undefined);
    expect(reopened.index.list()).toEqual(index.list());
  });

  it('after a crash between the snapshot rename and the journal truncate, replays the journal over the new snapshot to the same entries', async () => {
    let crash = false;
    const { index, path, journal } = await indexOf(20, {
      minCompactBytes: 1024,
      // The "crash": everything after the rename of the new snapshot fails.
      failAfter: (operation) => (crash && operation === 'rename <temporary> -> runs-index.json' ? Object.assign(new Error('EIO: the process died here'), { code: 'EIO' }) : undefined),
    });
    crash = true;
    let writes = 0;
    let failure: unknown;
    while (!failure) {
      index.put(entry(`run-${writes % 3}`, writes % 2 === 0 ? 'waiting' : 'succeeded', ++writes));
      failure = await index.write().catch((error: unknown) => error);
      expect(writes).toBeLessThan(100);
    }
    expect(String(failure)).toMatch(/EIO/);
    // The new snapshot is in place and the journal, with several lines about the same runs, was not emptied.
    const snapshot = JSON.parse(readFileSync(path, 'utf8')).runs;
    expect(snapshot['run-0']).toEqual(index.get('run-0'));
    expect(journalLines(journal).length).toBeGreaterThan(3);
    const reopened = await RunIndex.open(path, () => undefined);
    expect(reopened.index.list()).toEqual(index.list());
  });

  it('cuts a journal append that failed halfway back to its whole lines, and the next write appends cleanly', async () => {
    const { index, path, journal } = await indexOf(2);
    index.put(entry('run-0', 'waiting'));
    await index.write();
    const whole = statSync(journal).size;
    // A write that puts part of its bytes on disk, then fails like a full disk.
    const fs = failingFs(() => false);
    const halfway: AtomicWriteFs = {
      ...fs,
      open: (async (...args: Parameters<typeof promises.open>) => {
        const handle = await promises.open(...args);
        const write = handle.write.bind(handle) as (buffer: Buffer, offset: number, length: number, position: number) => Promise<{ bytesWritten: number }>;
        handle.write = (async (buffer: Buffer, offset: number, length: number, position: number) => {
          await write(buffer, offset, Math.floor(length / 2), position);
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        }) as unknown as typeof handle.write;
        return handle;
      }) as typeof promises.open,
    };
    const broken = await RunIndex.open(path, () => undefined, halfway);
    broken.index.put(entry('run-1', 'succeeded'));
    await expect(broken.index.write()).rejects.toThrow(/ENOSPC/);
    expect(statSync(journal).size).toBe(whole);
    expect(broken.index.dirty).toBe(true);
    index.put(entry('run-1', 'failed'));
    await index.write();
    const warnings: string[] = [];
    const reopened = await RunIndex.open(path, (line) => warnings.push(line));
    expect(reopened.index.get('run-1')).toEqual(entry('run-1', 'failed'));
    expect(warnings).toEqual([]);
  });

  it('refuses writes while the disk is full (nothing appended), and writes the changes once it is not', async () => {
    let full = false;
    directory = mkdtempSync(join(tmpdir(), 'weft-index-'));
    const path = join(directory, 'runs-index.json');
    const { index } = await RunIndex.open(path, () => undefined, failingFs(() => full));
    index.put(entry('run-0'));
    await index.write();
    full = true;
    index.put(entry('run-1'));
    await expect(index.write()).rejects.toThrow(/ENOSPC/);
    expect(index.dirty).toBe(true);
    expect((await RunIndex.open(path, () => undefined)).index.get('run-1')).toBeUndefined();
    full = false;
    await index.write();
    expect((await RunIndex.open(path, () => undefined)).index.get('run-1')).toEqual(entry('run-1'));
    expect(readFileSync(journalPathFor(path), 'utf8')).toBe(`${JSON.stringify({ put: entry('run-1') })}\n`);
  });
});
