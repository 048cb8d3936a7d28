/**
 * Two processes' stores (two pools) on one database: what one appends, the other's listeners hear
 * exactly once, in order and with no gap, including after its listen connection was killed; the
 * index learns rows the other writes.
 */
import pg from 'pg';
import { afterEach, beforeAll, expect, it } from 'vitest';
import type { RunEvent } from '../../../shared/events.ts';
import { triageRunEvents } from '../../../shared/testing/run-events.ts';
import { eventually } from '../../testing/test-server.ts';
import type { RunIndexEntry } from '../run-index.ts';
import { DatabaseUnreachableError } from './database-errors.ts';
import { openDatabase, type Database } from './database.ts';
import { PostgresRunsStore } from './runs-store-postgres.ts';
import { startTcpRelay } from './testing/tcp-relay.ts';
import { describeWithDatabase } from './testing/test-database.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function eventsOf(runId: string): RunEvent[] {
  return triageRunEvents().map((event) => ({ ...event, runId }));
}

/** Every batch heard, flattened per run. */
function hear(store: PostgresRunsStore): Map<string, RunEvent[]> {
  const heard = new Map<string, RunEvent[]>();
  store.onStored((events) => {
    const runId = events[0]!.runId;
    // A batch is one run's events.
    expect(events.every((event) => event.runId === runId)).toBe(true);
    heard.set(runId, [...(heard.get(runId) ?? []), ...events]);
  });
  return heard;
}

function seqs(events: RunEvent[] | undefined): number[] {
  return (events ?? []).map((event) => event.seq);
}

function entryOf(runId: string, status: RunIndexEntry['status']): RunIndexEntry {
  return { runId, flowId: 'triage', flowName: 'triage', flowHash: 'h', status, startedAt: '2025-01-01T12:00:00.000Z', costUsd: 0.5 };
}

describeWithDatabase('fan-out of run events between processes', (testDatabase) => {
  let first: Database;
  let second: Database;
  beforeAll(async () => {
    first = await openDatabase(testDatabase().url, { log: () => undefined });
    second = await openDatabase(testDatabase().url, { log: () => undefined });
    return async () => {
      await first.close();
      await second.close();
    };
  });

  async function stores(): Promise<[PostgresRunsStore, PostgresRunsStore]> {
    await first.query('TRUNCATE runs, run_events, pinned_flows CASCADE');
    const a = await PostgresRunsStore.open({ database: first, log: () => undefined });
    const b = await PostgresRunsStore.open({ database: second, log: () => undefined, reconnectMs: 50 });
    cleanups.push(() => a.close(), () => b.close());
    return [a, b];
  }

  it('delivers what A appends to B in order, gapless and once, and A hears its own once', async () => {
    const [a, b] = await stores();
    const heardByA = hear(a);
    const heardByB = hear(b);
    const runIds = ['run-x', 'run-y', 'run-z'];
    const logs = runIds.map(eventsOf);
    // Batches of different sizes, runs side by side: some appended in one tick, some awaited one by one.
    await Promise.all(
      logs.map(async (log, runIndex) => {
        let at = 0;
        while (at < log.length) {
          const size = 1 + ((at + runIndex) % 4);
          const batch = log.slice(at, at + size);
          at += size;
          await Promise.all(batch.map((event) => a.append(event)));
        }
      }),
    );
    for (const [index, runId] of runIds.entries()) {
      const expected = seqs(logs[index]);
      await eventually(() => heardByB.get(runId)?.length === expected.length, 15_000, `B to hear every event of ${runId}`);
      expect(seqs(heardByB.get(runId))).toEqual(expected);
      expect(heardByB.get(runId)).toEqual(logs[index]);
      expect(seqs(heardByA.get(runId))).toEqual(expected);
    }
    // Nothing arrives late: one more run through A, heard by B, and still no run heard twice.
    await Promise.all(eventsOf('run-last').map((event) => a.append(event)));
    await eventually(() => heardByB.get('run-last')?.length === eventsOf('run-last').length, 15_000, 'B to hear run-last');
    for (const [index, runId] of runIds.entries()) expect(seqs(heardByB.get(runId))).toEqual(seqs(logs[index]));
  });

  it('catches up after its listen connection is killed: runs it follows, runs started meanwhile, and the index', async () => {
    const [a, b] = await stores();
    const heardByB = hear(b);
    const log = eventsOf('run-long');
    for (const event of log.slice(0, 5)) await a.append(event);
    await eventually(() => heardByB.get('run-long')?.length === 5, 15_000, 'B to hear the first five events');
    a.index.put(entryOf('run-long', 'running'));
    await a.indexChanged();
    await eventually(() => b.index.get('run-long')?.status === 'running', 15_000, "B's index to learn run-long");

    const admin = new pg.Client({ connectionString: testDatabase().url });
    await admin.connect();
    try {
      const killed = await admin.query('SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = $1', [b.listenApplicationName]);
      expect(killed.rows).toEqual([{ done: true }]);
    } finally {
      await admin.end();
    }
    await eventually(() => !b.listening, 15_000, "B to notice its listen connection is gone");

    // While B is deaf: run-long goes on, run-new starts, and the index changes.
    for (const event of log.slice(5, 12)) await a.append(event);
    const fresh = eventsOf('run-new').slice(0, 4);
    await Promise.all(fresh.map((event) => a.append(event)));
    a.index.put(entryOf('run-long', 'waiting'));
    await a.indexChanged();

    await eventually(() => b.listening, 15_000, 'B to listen again');
    await eventually(() => heardByB.get('run-long')?.length === 12 && heardByB.get('run-new')?.length === 4, 15_000, 'B to catch up');
    expect(seqs(heardByB.get('run-long'))).toEqual(seqs(log.slice(0, 12)));
    expect(heardByB.get('run-new')).toEqual(fresh);
    await eventually(() => b.index.get('run-long')?.status === 'waiting', 15_000, "B's index to learn the change made while it was deaf");

    // Live again afterwards, still without a duplicate.
    for (const event of log.slice(12)) await a.append(event);
    await eventually(() => heardByB.get('run-long')?.length === log.length, 15_000, 'B to hear the rest of run-long');
    expect(seqs(heardByB.get('run-long'))).toEqual(seqs(log));
  });

  it("learns index rows another process writes and removes, and never lets them overwrite its own unwritten change", async () => {
    const [a, b] = await stores();
    a.index.put(entryOf('run-1', 'running'));
    a.index.put(entryOf('run-2', 'running'));
    await a.indexChanged();
    await eventually(() => b.index.get('run-1') && b.index.get('run-2'), 15_000, 'B to learn both runs');
    expect(b.index.get('run-1')).toEqual(entryOf('run-1', 'running'));
    expect(b.index.dirty).toBe(false);

    a.index.remove('run-2');
    a.index.put(entryOf('run-1', 'succeeded'));
    await a.indexChanged();
    await eventually(() => b.index.get('run-2') === undefined && b.index.get('run-1')?.status === 'succeeded', 15_000, 'B to learn the removal and the new status');
    expect(b.index.list().map((entry) => entry.runId)).toEqual(['run-1']);

    // B's own change, not yet written, wins over what A writes meanwhile.
    b.index.put(entryOf('run-3', 'failed'));
    a.index.put(entryOf('run-3', 'running'));
    await a.indexChanged();
    a.index.put(entryOf('run-4', 'running'));
    await a.indexChanged();
    await eventually(() => b.index.get('run-4'), 15_000, 'B to learn run-4');
    expect(b.index.get('run-3')?.status).toBe('failed');
  });

  it('stops the start with the clear unreachable error when the database goes away before the store listens', async () => {
    const url = new URL(testDatabase().url);
    const relay = await startTcpRelay(url.hostname, Number(url.port || 5432));
    cleanups.push(() => relay.close());
    url.host = `127.0.0.1:${relay.port}`;
    const database = await openDatabase(url.toString(), { log: () => undefined });
    cleanups.push(() => database.close());
    relay.cut();
    const opened = PostgresRunsStore.open({ database, log: () => undefined });
    await expect(opened).rejects.toThrow(DatabaseUnreachableError);
    await expect(opened).rejects.toThrow(new RegExp(`cannot use the database at 127\\.0\\.0\\.1:${relay.port}/weft_test_\\w+`));
  });
});
