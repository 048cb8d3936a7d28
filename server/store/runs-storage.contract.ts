/**
 * What every RunsStorage promises (server/store/runs-storage.ts), run against the file store and
 * the PostgreSQL store by runs-storage.test.ts. `open` opens the store over the same storage
 * each time (a restart); the suite closes what it opened.
 */
import { afterEach, expect, it } from 'vitest';
import type { RunEvent } from '../../shared/events.ts';
import { triageRunEvents } from '../../shared/testing/run-events.ts';
import type { RunIndexEntry } from './run-index.ts';
import type { RunsStorage } from './runs-storage.ts';
import { StoreClosedError } from './store-errors.ts';

export interface RunsStorageFixture {
  open(): Promise<RunsStorage>;
}

function eventsOf(runId: string, count = Infinity): RunEvent[] {
  return triageRunEvents()
    .slice(0, count)
    .map((event) => ({ ...event, runId }));
}

function entry(runId: string, startedAt: string, status: RunIndexEntry['status'] = 'waiting'): RunIndexEntry {
  return { runId, flowId: 'triage', flowName: 'Triage', flowHash: 'abc', status, startedAt, costUsd: 0.25, inputsPreview: '{"text":"hi"}' };
}

export function runsStorageContract(fixture: () => RunsStorageFixture): void {
  const opened: RunsStorage[] = [];
  const open = async (): Promise<RunsStorage> => {
    const store = await fixture().open();
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  it('stores a run\'s events, in order, before listeners hear of them, as one batch per tick', async () => {
    const store = await open();
    const events = eventsOf('run-a');
    const heard: RunEvent[][] = [];
    store.onStored((batch) => heard.push(batch));
    await Promise.all(events.map((event) => store.append(event)));
    expect(heard).toEqual([events]);
    expect(await store.readEvents('run-a')).toEqual(events);
    expect((await store.readEvents('run-a', 20))!.map((event) => event.seq)).toEqual([21, 22, 23]);
    expect(await store.readEvents('run-a', events.length)).toEqual([]);
    expect(await store.readEvents('run-none')).toBeUndefined();
    expect(await store.logIds()).toContain('run-a');
  });

  it('puts what a run appends while its write is on its way into its next write, in order', async () => {
    const store = await open();
    const events = eventsOf('run-b', 5);
    const heard: number[][] = [];
    store.onStored((batch) => heard.push(batch.map((event) => event.seq)));
    const first = store.append(events[0]!);
    await new Promise((resolve) => setImmediate(resolve));
    await Promise.all([first, ...events.slice(1).map((event) => store.append(event))]);
    expect(heard).toEqual([[1], [2, 3, 4, 5]]);
  });

  it('writes runs side by side: each listener call holds one run\'s events, each run in order', async () => {
    const store = await open();
    const runIds = Array.from({ length: 10 }, (_, index) => `run-p${index}`);
    const heard: RunEvent[][] = [];
    store.onStored((events) => heard.push(events));
    const waits: Promise<void>[] = [];
    for (let seq = 0; seq < 6; seq++) for (const runId of runIds) waits.push(store.append(eventsOf(runId, 6)[seq]!));
    await Promise.all(waits);
    for (const runId of runIds) {
      expect(heard.filter((events) => events[0]!.runId === runId).flat()).toEqual(eventsOf(runId, 6));
      expect(await store.readEvents(runId)).toEqual(eventsOf(runId, 6));
    }
    expect(heard.every((events) => new Set(events.map((event) => event.runId)).size === 1)).toBe(true);
  });

  it('keeps the index across a restart: put, newest first, own-property lookups, remove', async () => {
    const store = await open();
    await Promise.all(eventsOf('run-old', 3).map((event) => store.append(event)));
    await Promise.all(eventsOf('run-new', 3).map((event) => store.append(event)));
    store.index.put(entry('run-old', '2025-01-01T00:00:00.000Z'));
    store.index.put(entry('run-new', '2025-02-01T00:00:00.000Z', 'succeeded'));
    store.index.put(entry('run-gone', '2025-03-01T00:00:00.000Z'));
    expect(store.index.dirty).toBe(true);
    await store.indexChanged();
    store.index.remove('run-gone');
    await store.indexChanged();
    await store.close();
    const again = await open();
    expect(again.index.list().map((run) => run.runId)).toEqual(['run-new', 'run-old']);
    expect(again.index.get('run-old')).toEqual(entry('run-old', '2025-01-01T00:00:00.000Z'));
    expect(again.index.get('constructor')).toBeUndefined();
    expect(again.index.get('run-gone')).toBeUndefined();
  });

  it("keeps a child run's parent in the index across a restart", async () => {
    const store = await open();
    await Promise.all(eventsOf('run-parent', 3).map((event) => store.append(event)));
    await Promise.all(eventsOf('run-child', 3).map((event) => store.append(event)));
    store.index.put(entry('run-parent', '2025-01-01T00:00:00.000Z'));
    store.index.put({ ...entry('run-child', '2025-01-01T00:00:01.000Z'), parentRunId: 'run-parent' });
    await store.indexChanged();
    await store.close();
    const again = await open();
    expect(again.index.get('run-child')).toEqual({ ...entry('run-child', '2025-01-01T00:00:01.000Z'), parentRunId: 'run-parent' });
    expect(again.index.get('run-parent')).toEqual(entry('run-parent', '2025-01-01T00:00:00.000Z'));
  });

  it('reads a run back at start-up and counts its bytes for the per-run cap', async () => {
    const store = await open();
    const events = eventsOf('run-r', 8);
    await Promise.all(events.map((event) => store.append(event)));
    const before = store.bytesOf('run-r');
    expect(before).toBeGreaterThan(JSON.stringify(events[1]).length);
    await store.close();
    const again = await open();
    expect(again.bytesOf('run-r')).toBe(0);
    expect((await again.recover('run-r'))?.events).toEqual(events);
    expect(again.bytesOf('run-r')).toBeGreaterThan(0);
    expect(await again.recover('run-none')).toBeUndefined();
  });

  it('refuses appends after close', async () => {
    const store = await open();
    await store.close();
    await expect(store.append(eventsOf('run-c', 1)[0]!)).rejects.toThrow(StoreClosedError);
  });

  it('keeps every string JSON can hold, control characters and lone surrogates included', async () => {
    const store = await open();
    const [started, stepStarted] = eventsOf('run-s', 2) as [RunEvent, RunEvent & { inputs: Record<string, unknown> }];
    const odd = { ...stepStarted, inputs: { text: 'nul \u0000 bell \u0007 lone \ud800 emoji 🧵', nested: { order: [3, 1, 2], 'key with "quotes"': -0.5 } } };
    await Promise.all([store.append(started), store.append(odd)]);
    expect((await store.readEvents('run-s'))![1]).toEqual(odd);
  });
}
