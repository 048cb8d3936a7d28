/** The RunsStorage contract against both stores, and what only PostgreSQL promises. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../shared/events.ts';
import { triageRunEvents } from '../../shared/testing/run-events.ts';
import { makeTempDirs, type TempDirs } from '../testing/temp-dirs.ts';
import { eventually } from '../testing/test-server.ts';
import { openDatabase, type Database } from './postgres/database.ts';
import { PostgresRunsStore } from './postgres/runs-store-postgres.ts';
import { startTcpRelay, type TcpRelay } from './postgres/testing/tcp-relay.ts';
import { describeWithDatabase } from './postgres/testing/test-database.ts';
import { runsStorageContract } from './runs-storage.contract.ts';
import { RunsStore } from './runs-store.ts';
import { RunConflictError, StoreUnavailableError } from './store-errors.ts';

describe('RunsStorage contract: files', () => {
  let dirs: TempDirs;
  beforeEach(() => {
    dirs = makeTempDirs();
  });
  afterEach(() => dirs.remove());
  runsStorageContract(() => ({ open: () => RunsStore.open({ dataDir: dirs.dataDir, log: () => undefined }) }));
});

describeWithDatabase('RunsStorage contract: PostgreSQL', (testDatabase) => {
  let database: Database;
  beforeAll(async () => {
    database = await openDatabase(testDatabase().url);
  });
  afterAll(async () => {
    await database?.close();
  });
  beforeEach(async () => {
    await database.query('TRUNCATE runs, run_events, pinned_flows CASCADE');
  });
  runsStorageContract(() => ({ open: () => PostgresRunsStore.open({ database, log: () => undefined }) }));

  function eventsOf(runId: string, count = Infinity): RunEvent[] {
    return triageRunEvents()
      .slice(0, count)
      .map((event) => ({ ...event, runId }));
  }

  it('lets exactly one of two processes record a run\'s next event; the other gets a RunConflictError', async () => {
    const second = await openDatabase(testDatabase().url);
    try {
      const mine = await PostgresRunsStore.open({ database, log: () => undefined });
      const theirs = await PostgresRunsStore.open({ database: second, log: () => undefined });
      const events = eventsOf('run-race', 6);
      await Promise.all(events.slice(0, 3).map((event) => mine.append(event)));
      // Both write seq 4 (each a different event): one wins, whichever reaches the database first.
      const outcomes = await Promise.allSettled([mine.append(events[3]!), theirs.append({ ...events[3]!, at: '2030-01-01T00:00:00.000Z' } as RunEvent)]);
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      const rejected = outcomes.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason).toBeInstanceOf(RunConflictError);
      // The loser stays refused for the run (until reopen), so it cannot record seq 5 either.
      const loser = outcomes[0]!.status === 'rejected' ? mine : theirs;
      await expect(loser.append(events[4]!)).rejects.toThrow(RunConflictError);
      // The winner cannot skip a seq either: its view of the run must be the database's.
      const winner = loser === mine ? theirs : mine;
      await expect(winner.append(events[5]!)).rejects.toThrow(RunConflictError);
      // A second run.started for the run is refused too.
      await expect(theirs.append(events[0]!)).rejects.toThrow(RunConflictError);
      const { rows } = await database.query<{ seq: number }>("SELECT seq FROM run_events WHERE run_id = 'run-race' ORDER BY seq");
      expect(rows.map((row) => row.seq)).toEqual([1, 2, 3, 4]);
      await Promise.all([mine.close(), theirs.close()]);
    } finally {
      await second.close();
    }
  });

  it('keeps a pinned flow once however many runs pinned it, and gives it back with each run.started', async () => {
    const store = await PostgresRunsStore.open({ database, log: () => undefined });
    await Promise.all(['run-f1', 'run-f2', 'run-f3'].flatMap((runId) => eventsOf(runId, 2).map((event) => store.append(event))));
    expect((await database.query('SELECT hash FROM pinned_flows')).rows).toHaveLength(1);
    expect((await database.query("SELECT body::text FROM run_events WHERE seq = 1 AND body::text LIKE '%\"flow\"%'")).rows).toEqual([]);
    for (const runId of ['run-f1', 'run-f2', 'run-f3']) expect(await store.readEvents(runId)).toEqual(eventsOf(runId, 2));
    await store.close();
  });

  describe('a database that goes away', () => {
    let relay: TcpRelay;
    let away: Database;
    beforeEach(async () => {
      const url = new URL(testDatabase().url);
      relay = await startTcpRelay(url.hostname, Number(url.port || 5432));
      url.host = `127.0.0.1:${relay.port}`;
      away = await openDatabase(url.toString(), { log: () => undefined });
    });
    afterEach(async () => {
      await away.close().catch(() => undefined);
      await relay.close();
    });

    it('refuses writes with a 503 error naming the database, records nothing half, and recovers once it is back', async () => {
      const log: string[] = [];
      const store = await PostgresRunsStore.open({ database: away, log: (line) => log.push(line) });
      const events = eventsOf('run-away', 6);
      await Promise.all(events.slice(0, 3).map((event) => store.append(event)));
      let recovered = 0;
      store.onRecovered(() => recovered++);
      relay.cut();
      const failed = await store.append(events[3]!).then(() => undefined, (error: unknown) => error);
      expect(failed).toBeInstanceOf(StoreUnavailableError);
      expect((failed as Error).message).toMatch(/the database at 127\.0\.0\.1:\d+\/weft_test_\w+ is unavailable/);
      expect(store.healthy).toBe(false);
      await expect(store.writable('the run was not started')).rejects.toThrow(/the run was not started\. Try again once the database is back/);
      relay.restore();
      await eventually(() => store.healthy || undefined, 10_000, 'the store to be healthy again');
      expect(recovered).toBe(1);
      // What was stored is whole: the failed batch left nothing; the run continues from seq 3.
      const reopened = await store.reopen('run-away');
      expect(reopened?.events.map((event) => event.seq)).toEqual([1, 2, 3]);
      await store.append(events[3]!);
      expect((await store.readEvents('run-away'))!.map((event) => event.seq)).toEqual([1, 2, 3, 4]);
      expect(log.join('\n')).toMatch(/requests that would write answer 503/);
      await store.close();
    });
  });
});
