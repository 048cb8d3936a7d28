/**
 * The kept order of the run index and the history pages read from it, against the plain way (sort
 * every entry, filter, cut) over random changes: new runs, status changes, removals, child runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunsQuery } from '../../shared/wire/rest-requests.ts';
import { runHistory } from '../run-views.ts';
import { RunIndex, type RunIndexEntry } from './run-index.ts';
import { RunOrder } from './run-order.ts';
import { compareNewestFirst } from './runs-storage.ts';
import { MemoryRunIndex } from './postgres/memory-run-index.ts';

const STATUSES = ['running', 'waiting', 'succeeded', 'failed', 'cancelled'] as const;

/** A small deterministic generator, so a failure can be run again. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

function entry(runId: string, second: number, extra: Partial<RunIndexEntry> = {}): RunIndexEntry {
  return { runId, flowId: 'flow-a', flowName: 'A', flowHash: 'h', status: 'running', startedAt: new Date(Date.UTC(2026, 11, 6, 9, 0, second)).toISOString(), costUsd: 0, ...extra };
}

/** The history as it was computed before the kept order: sort all, count children, filter, cut. */
function plainHistory(all: RunIndexEntry[], query: RunsQuery) {
  const entries = [...all].sort(compareNewestFirst);
  const children = new Map<string, number>();
  for (const candidate of entries) if (candidate.parentRunId !== undefined) children.set(candidate.parentRunId, (children.get(candidate.parentRunId) ?? 0) + 1);
  const topLevel = query.parentRunId === undefined && query.flowId === undefined;
  const since = query.since === undefined ? undefined : new Date(query.since).toISOString();
  const cursor = query.before?.split('_');
  const matching = entries.filter(
    (candidate) =>
      (topLevel ? candidate.parentRunId === undefined : query.parentRunId === undefined || candidate.parentRunId === query.parentRunId) &&
      (query.flowId === undefined || candidate.flowId === query.flowId) &&
      (query.status === undefined || candidate.status === query.status) &&
      (since === undefined || candidate.startedAt >= since) &&
      (cursor === undefined || candidate.startedAt < cursor[0]! || (candidate.startedAt === cursor[0] && candidate.runId < cursor[1]!)),
  );
  const limit = query.limit ?? 100;
  const runs = matching.slice(0, limit).map((run) => (children.has(run.runId) ? { ...run, childCount: children.get(run.runId)! } : run));
  const hidden = topLevel ? entries.filter((candidate) => candidate.parentRunId !== undefined).length : 0;
  const last = runs.at(-1);
  return { runs, ...(hidden > 0 ? { childRunsHidden: hidden } : {}), ...(matching.length > limit && last ? { next: `${last.startedAt}_${last.runId}` } : {}) };
}

describe('RunOrder', () => {
  it('keeps the entries in order (oldest first) through inserts, status changes and removals', () => {
    const order = new RunOrder([entry('run-b', 2), entry('run-a', 1)]);
    order.set(entry('run-c', 3), undefined);
    order.set(entry('run-0', 0), undefined);
    // The same second: the larger run id first, as compareNewestFirst orders them.
    order.set(entry('run-bb', 2), undefined);
    expect(order.entries.map((run) => run.runId)).toEqual(['run-0', 'run-a', 'run-b', 'run-bb', 'run-c']);
    order.set(entry('run-b', 2, { status: 'succeeded' }), entry('run-b', 2));
    expect(order.entries.map((run) => `${run.runId}:${run.status}`)).toEqual(['run-0:running', 'run-a:running', 'run-b:succeeded', 'run-bb:running', 'run-c:running']);
    order.delete(entry('run-bb', 2));
    expect(order.entries.map((run) => run.runId)).toEqual(['run-0', 'run-a', 'run-b', 'run-c']);
    expect(order.countOlder(entry('run-b', 2).startedAt, 'run-b')).toBe(2);
  });

  it('counts child runs by parent as they come and go', () => {
    const order = new RunOrder([entry('run-p', 1), entry('run-k1', 2, { parentRunId: 'run-p' })]);
    order.set(entry('run-k2', 3, { parentRunId: 'run-p' }), undefined);
    expect([order.childCount('run-p'), order.childRuns]).toEqual([2, 2]);
    order.delete(entry('run-k1', 2, { parentRunId: 'run-p' }));
    expect([order.childCount('run-p'), order.childRuns]).toEqual([1, 1]);
  });

  it('answers every page as sorting every run would, over 2,000 random changes (file and database indexes alike)', async () => {
    const next = random(7);
    const index = new MemoryRunIndex();
    const directory = mkdtempSync(join(tmpdir(), 'weft-run-order-'));
    const { index: fileIndex } = await RunIndex.open(join(directory, 'runs-index.json'), () => undefined);
    const all = new Map<string, RunIndexEntry>();
    const pick = <T,>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    for (let step = 0; step < 2_000; step += 1) {
      const roll = next();
      const ids = [...all.keys()];
      if (roll < 0.5 || ids.length === 0) {
        const parent = next() < 0.3 && ids.length > 0 ? pick(ids) : undefined;
        // Mostly the newest, sometimes a run that started earlier (another server's clock, a restart).
        const second = next() < 0.9 ? step : Math.floor(next() * step);
        const created = entry(`run-${step.toString(36)}`, second, { flowId: pick(['flow-a', 'flow-b']), status: pick(STATUSES), ...(parent ? { parentRunId: parent } : {}) });
        index.put(created);
        fileIndex.put(created);
        all.set(created.runId, created);
      } else if (roll < 0.85) {
        const changed = { ...all.get(pick(ids))!, status: pick(STATUSES), costUsd: next() };
        if (next() < 0.5) index.put(changed);
        else index.learn(changed);
        fileIndex.put(changed);
        all.set(changed.runId, changed);
      } else {
        const removed = pick(ids);
        if (next() < 0.5) index.remove(removed);
        else index.forget(removed);
        fileIndex.remove(removed);
        all.delete(removed);
      }
      // As the store does after each write: another server's rows are then learned over this one's.
      const taken = index.takeChanges();
      index.written([...taken.put.map((written) => written.runId), ...taken.removed]);
      if (step % 50 !== 0) continue;
      expect(index.list()).toEqual([...all.values()].sort(compareNewestFirst));
      expect(fileIndex.list()).toEqual(index.list());
      const queries: RunsQuery[] = [{}, { limit: 7 }, { flowId: 'flow-b', limit: 5 }, { status: pick(STATUSES), limit: 3 }, { parentRunId: pick([...all.keys()]) }, { since: entry('x', Math.floor(step / 2)).startedAt, limit: 20 }];
      for (const query of queries) {
        let page = runHistory(index.order, query);
        expect(page).toEqual(plainHistory([...all.values()], query));
        expect(runHistory(fileIndex.order, query)).toEqual(page);
        // Follow the cursor to the end: each page as the plain way gives it.
        for (let pages = 0; page.next !== undefined && pages < 400; pages += 1) {
          const following = { ...query, before: page.next };
          page = runHistory(index.order, following);
          expect(page).toEqual(plainHistory([...all.values()], following));
        }
      }
    }
    rmSync(directory, { recursive: true, force: true });
  });
});
