import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../shared/events.ts';
import { triageRunEvents } from '../../shared/testing/run-events.ts';
import { makeTempDirs, type TempDirs } from '../testing/temp-dirs.ts';
import { DataDirLockedError, LOCK_FILE_NAME } from './data-lock.ts';
import { formatEventLines } from './event-log-text.ts';
import { INDEX_FILE_NAME, RUNS_DIRECTORY_NAME, RunsStore } from './runs-store.ts';

let dirs: TempDirs;
let warnings: string[];
const opened: RunsStore[] = [];

async function openStore(): Promise<RunsStore> {
  const store = await RunsStore.open({ dataDir: dirs.dataDir, log: (line) => warnings.push(line) });
  opened.push(store);
  return store;
}

function logPath(runId: string): string {
  return join(dirs.dataDir, RUNS_DIRECTORY_NAME, `${runId}.jsonl`);
}

beforeEach(() => {
  dirs = makeTempDirs();
  warnings = [];
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
  dirs.remove();
});

describe('RunsStore: appending', () => {
  it('stores events as JSON lines, one file per run, before listeners hear of them', async () => {
    const store = await openStore();
    const events = triageRunEvents();
    const heard: RunEvent[][] = [];
    store.onStored((batch) => {
      // What a listener hears is already on disk.
      expect(readFileSync(logPath('run-1'), 'utf8')).toContain(JSON.stringify(batch.at(-1)));
      heard.push(batch);
    });
    for (const event of events) void store.append(event);
    await store.flush();
    expect(readFileSync(logPath('run-1'), 'utf8')).toBe(formatEventLines(events));
    // Everything appended in one tick went out as one batch.
    expect(heard).toEqual([events]);
    expect(await store.readEvents('run-1')).toEqual(events);
    expect((await store.readEvents('run-1', 20))!.map((event) => event.seq)).toEqual([21, 22, 23]);
    expect(await store.readEvents('run-none')).toBeUndefined();
  });

  it('batches by tick: events of later ticks go in later writes, in order', async () => {
    const store = await openStore();
    const events = triageRunEvents();
    const heard: number[][] = [];
    store.onStored((batch) => heard.push(batch.map((event) => event.seq)));
    const waits: Promise<void>[] = [];
    for (const event of events.slice(0, 5)) waits.push(store.append(event));
    // The next macrotask: the store's own tick (queued by the first append) has begun the first write.
    await new Promise((resolve) => setImmediate(resolve));
    for (const event of events.slice(5)) waits.push(store.append(event));
    await Promise.all(waits);
    expect(heard).toEqual([[1, 2, 3, 4, 5], events.slice(5).map((event) => event.seq)]);
  });

  it('keeps the index in lowdb and reads it back after a restart', async () => {
    const store = await openStore();
    store.index.put({ runId: 'run-1', flowId: 'triage', flowName: 'Triage', flowHash: 'abc', status: 'waiting', startedAt: '2025-01-01T00:00:00.000Z', costUsd: 0 });
    await store.indexChanged();
    await store.close();
    const again = await openStore();
    expect(again.index.get('run-1')).toMatchObject({ status: 'waiting', flowId: 'triage' });
    expect(JSON.parse(readFileSync(join(dirs.dataDir, INDEX_FILE_NAME), 'utf8')).version).toBe(1);
  });

  it('reports a failed write, stores nothing more for that run, and leaves other runs alone', async () => {
    const store = await openStore();
    mkdirSync(logPath('run-broken')); // a directory where the log should be: opening it fails
    const heard: string[] = [];
    store.onStored((batch) => heard.push(...batch.map((event) => `${event.runId}:${event.seq}`)));
    const [first] = triageRunEvents();
    const broken = store.append({ ...first!, runId: 'run-broken' });
    const fine = store.append(first!);
    await expect(broken).rejects.toThrow();
    await fine; // the same batch, another run: unaffected
    expect(heard).toEqual(['run-1:1']);
    expect(warnings.join('\n')).toMatch(/could not write the log of run run-broken/);
  });
});

describe('RunsStore: runs written side by side', () => {
  function eventsOf(runId: string, count: number): RunEvent[] {
    return triageRunEvents()
      .slice(0, count)
      .map((event) => ({ ...event, runId }));
  }

  it('writes many runs in parallel; each listener call holds one run\'s events, in order, on disk first', async () => {
    const store = await openStore();
    const runIds = Array.from({ length: 24 }, (_, index) => `run-p${index}`);
    const heard: RunEvent[][] = [];
    store.onStored((events) => {
      expect(new Set(events.map((event) => event.runId)).size).toBe(1);
      expect(readFileSync(logPath(events[0]!.runId), 'utf8')).toContain(JSON.stringify(events.at(-1)));
      heard.push(events);
    });
    const waits: Promise<void>[] = [];
    for (let seq = 0; seq < 6; seq++) for (const runId of runIds) waits.push(store.append(eventsOf(runId, 6)[seq]!));
    await Promise.all(waits);
    await store.flush();
    for (const runId of runIds) {
      expect(readFileSync(logPath(runId), 'utf8')).toBe(formatEventLines(eventsOf(runId, 6)));
      expect(heard.filter((events) => events[0]!.runId === runId).flat()).toEqual(eventsOf(runId, 6));
    }
  });

  it('puts what a run appends while its write is on its way into its next write, in order', async () => {
    const store = await openStore();
    const events = triageRunEvents().slice(0, 5);
    const heard: number[][] = [];
    store.onStored((batch) => heard.push(batch.map((event) => event.seq)));
    const first = store.append(events[0]!);
    // The store's own setImmediate ran first: the write of event 1 has begun.
    await new Promise((resolve) => setImmediate(resolve));
    const rest = events.slice(1).map((event) => store.append(event));
    await Promise.all([first, ...rest]);
    expect(heard).toEqual([[1], [2, 3, 4, 5]]);
    expect(readFileSync(logPath('run-1'), 'utf8')).toBe(formatEventLines(events));
  });

  it('shares one read between readers of a run, but never one that began before an append was stored', async () => {
    const store = await openStore();
    const events = triageRunEvents();
    for (const event of events.slice(0, 5)) void store.append(event);
    await store.flush();
    const [all, again, later] = await Promise.all([store.readEvents('run-1'), store.readEvents('run-1'), store.readEvents('run-1', 3)]);
    expect(all).toEqual(events.slice(0, 5));
    expect(again).toEqual(all);
    expect(again).not.toBe(all);
    expect(again![0]).toBe(all![0]); // parsed once
    expect(later).toEqual(events.slice(3, 5));
    const inFlight = store.readEvents('run-1');
    await store.append(events[5]!);
    const fresh = await store.readEvents('run-1');
    expect(fresh!.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await inFlight)!.length).toBeGreaterThanOrEqual(5);
  });
});

describe('RunsStore: damaged files', () => {
  it('drops a half-written last line with a warning, keeps the original aside and the valid prefix', async () => {
    const events = triageRunEvents().slice(0, 6);
    mkdirSync(join(dirs.dataDir, RUNS_DIRECTORY_NAME), { recursive: true });
    writeFileSync(logPath('run-1'), formatEventLines(events.slice(0, 5)) + JSON.stringify(events[5]).slice(0, 30));
    const store = await openStore();
    const recovered = await store.recover('run-1');
    expect(recovered?.events).toEqual(events.slice(0, 5));
    expect(recovered?.damage?.kind).toBe('truncated-tail');
    expect(readFileSync(logPath('run-1'), 'utf8')).toBe(formatEventLines(events.slice(0, 5)));
    expect(readFileSync(recovered!.keptAside!, 'utf8')).toContain(JSON.stringify(events[5]).slice(0, 30));
    expect(warnings.join('\n')).toMatch(/dropped a half-written last event/);
    // Appending continues after the whole events.
    await store.append(events[5]!);
    expect(await store.readEvents('run-1')).toEqual(events);
  });

  it('reports a damaged line in the middle of a log and keeps the events before it', async () => {
    const events = triageRunEvents().slice(0, 4);
    mkdirSync(join(dirs.dataDir, RUNS_DIRECTORY_NAME), { recursive: true });
    const lines = formatEventLines(events).split('\n');
    lines[2] = '{"runId": "run-1", "seq": 3, garbage';
    writeFileSync(logPath('run-1'), lines.join('\n'));
    const store = await openStore();
    const recovered = await store.recover('run-1');
    expect(recovered?.events).toEqual(events.slice(0, 2));
    expect(recovered?.damage).toMatchObject({ kind: 'corrupt', line: 3 });
    expect(existsSync(recovered!.keptAside!)).toBe(true);
  });

  it('keeps a corrupt index aside with a clear message and starts a fresh one', async () => {
    writeFileSync(join(dirs.dataDir, INDEX_FILE_NAME), '{"version": 1, "runs": {');
    const store = await openStore();
    expect(store.index.list()).toEqual([]);
    const aside = readdirSync(dirs.dataDir).filter((name) => name.startsWith(`${INDEX_FILE_NAME}.corrupt-`));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dirs.dataDir, aside[0]!), 'utf8')).toBe('{"version": 1, "runs": {');
    expect(warnings.join('\n')).toMatch(/run index .* is corrupt .* kept as .*corrupt-.*rebuilt from the run logs/s);
  });

  it('keeps aside an index whose JSON is well-formed but not an index', async () => {
    writeFileSync(join(dirs.dataDir, INDEX_FILE_NAME), '{"version": 1, "runs": {"x": {"runId": 5}}}');
    await openStore();
    expect(readdirSync(dirs.dataDir).some((name) => name.startsWith(`${INDEX_FILE_NAME}.corrupt-`))).toBe(true);
  });
});

describe('RunsStore: one server per data directory', () => {
  it('refuses a second store on the same directory, naming the pid', async () => {
    await openStore();
    await expect(RunsStore.open({ dataDir: dirs.dataDir })).rejects.toThrow(DataDirLockedError);
    await expect(RunsStore.open({ dataDir: dirs.dataDir })).rejects.toThrow(new RegExp(`pid ${process.pid}`));
  });

  it('refuses when another live process holds the lock', async () => {
    writeFileSync(join(dirs.dataDir, LOCK_FILE_NAME), JSON.stringify({ pid: process.ppid, startedAt: 'x', token: 'y' }));
    await expect(RunsStore.open({ dataDir: dirs.dataDir })).rejects.toThrow(new RegExp(`another Weft server \\(pid ${process.ppid}\\)`));
  });

  it('takes over a stale lock left by a process that is gone', async () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(dirs.dataDir, LOCK_FILE_NAME), JSON.stringify({ pid: Number(gone.stdout), startedAt: 'x', token: 'y' }));
    const store = await openStore();
    expect(JSON.parse(readFileSync(store.lockPath, 'utf8')).pid).toBe(process.pid);
    expect(warnings.join('\n')).toMatch(/taking over the lock of pid/);
    await store.close();
    expect(existsSync(store.lockPath)).toBe(false);
  });

  it('refuses appends after close (nothing may act on them), leaving the log a clean prefix', async () => {
    const store = await openStore();
    const [first, second] = triageRunEvents();
    await store.append(first!);
    await store.close();
    await expect(store.append(second!)).rejects.toThrow('the runs store is closed');
    appendFileSync(logPath('run-1'), '');
    expect(readFileSync(logPath('run-1'), 'utf8')).toBe(formatEventLines([first!]));
  });
});
