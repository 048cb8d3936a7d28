/**
 * A worker: executes queued runs (graphile-worker `weft.run` jobs) through the run manager, one
 * job per run until the run ends or only waits, at most `concurrency` at a time. Pickup rides
 * graphile-worker's LISTEN/NOTIFY, so an idle worker starts a run moments after it is queued.
 *
 * Leases (migrations/0006-run-leases.sql): a worker takes a run's lease before executing it and
 * renews all its leases every third of the lease timeout. A run whose lease it no longer holds
 * (taken over after this worker stalled) is stopped at once. Every worker also sweeps: runs whose
 * lease expired are queued again, so a worker that dies (kill -9) loses nothing; another worker
 * continues its runs from their logs within about one lease timeout. graphile-worker's own lock
 * on a job only frees after 4 hours, so takeover never waits for it.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Logger, run, runMigrations, type Runner } from 'graphile-worker';
import { z } from 'zod';
import { reasonOf } from '../store/postgres/database-errors.ts';
import type { Database } from '../store/postgres/database.ts';
import type { RunManager } from '../run-manager.ts';
import { claimLease, dropLease, forgetWorker, handOverLeases, heartbeat, lastSeqOf, queueRunAt, queueRunNow, renewLeases, RUN_TASK, sweepExpiredLeases } from './queue-sql.ts';
import type { Departure } from './run-queue.ts';

export interface RunWorkerOptions {
  connectionString: string;
  database: Database;
  runs: RunManager;
  /** Runs executed at the same time. */
  concurrency: number;
  /** A lease not renewed for this long is taken over. */
  leaseTimeoutMs: number;
  log: (line: string) => void;
}

export interface RunWorker {
  readonly id: string;
  /** Stops taking jobs, stops the runs it executes and queues them for other workers. */
  close(): Promise<void>;
}

const jobPayload = z.object({ runId: z.string().min(1).max(200) });

/** graphile-worker's own lines: warnings and errors only, through Weft's log. */
export function queueLogger(log: (line: string) => void): Logger {
  return new Logger(() => (level, message) => {
    if (level === 'error' || level === 'warning') log(`weft: queue: ${message}`);
  });
}

/** Creates graphile-worker's schema (its own versioned migrations, safe from several processes at once). */
export async function migrateQueue(connectionString: string, log: (line: string) => void): Promise<void> {
  await runMigrations({ connectionString, logger: queueLogger(log) });
}

export async function startRunWorker(options: RunWorkerOptions): Promise<RunWorker> {
  const { database, runs, leaseTimeoutMs, log } = options;
  const id = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const tickMs = Math.max(50, Math.floor(leaseTimeoutMs / 3));
  let closing = false;
  let renewedAt = Date.now();

  const execute = async (runId: string): Promise<void> => {
    if (closing) throw new Error('the worker is stopping');
    const claim = await claimLease(database, runId, id, leaseTimeoutMs);
    if (claim === 'no-run') return;
    if (claim === 'held') {
      // Its holder is alive and will let go (then this job finds the run as it left it) or expire.
      await database.query(`SELECT graphile_worker.add_job($1, json_build_object('runId', $2::text), run_at => now() + $3 * interval '1 millisecond', job_key => $1 || ':' || $2, job_key_mode => 'preserve_run_at')`, [RUN_TASK, runId, tickMs]);
      return;
    }
    let departure: Departure;
    try {
      departure = await runs.execute(runId);
    } catch (error) {
      await dropLease(database, runId, id).catch(() => undefined);
      throw error;
    }
    await settle(runId, departure);
  };

  /** What the lease and the queue need once a run left this worker. */
  const settle = async (runId: string, departure: Departure): Promise<void> => {
    switch (departure.why) {
      case 'here':
      case 'stopped':
        return;
      case 'ended':
        await dropLease(database, runId, id);
        return;
      case 'conflict':
        // Another process appended (a decision, a cancel): the run continues from its log, wherever.
        await database.transaction(async (client) => {
          await dropLease(client, runId, id);
          await queueRunNow(client, runId, leaseTimeoutMs);
        });
        return;
      case 'waiting':
        await database.transaction(async (client) => {
          await dropLease(client, runId, id);
          if (departure.deadline !== undefined) await queueRunAt(client, runId, departure.deadline);
          // A decision recorded while this worker was letting go: its job may have found the lease held.
          if ((await lastSeqOf(client, runId)) !== departure.lastSeq) await queueRunNow(client, runId, leaseTimeoutMs);
        });
    }
  };

  const tick = async (): Promise<void> => {
    try {
      await heartbeat(database, id);
      const executing = runs.executing();
      const held = await renewLeases(database, id, executing, leaseTimeoutMs);
      renewedAt = Date.now();
      for (const runId of executing) {
        if (held.has(runId)) continue;
        log(`weft: run ${runId}: this worker no longer holds its lease; its work here stops.`);
        runs.stop(runId);
      }
      const requeued = await sweepExpiredLeases(database, leaseTimeoutMs);
      if (requeued.length > 0) log(`weft: queued again ${requeued.length} run${requeued.length === 1 ? '' : 's'} whose worker stopped renewing its lease`);
    } catch (error) {
      // Without the database this worker cannot know its leases: past their term it stops its runs.
      if (Date.now() - renewedAt < leaseTimeoutMs) return;
      const executing = runs.executing();
      if (executing.length > 0) log(`weft: the worker could not renew its leases for ${leaseTimeoutMs} ms (${reasonOf(error)}); it stops ${executing.length} run${executing.length === 1 ? '' : 's'}.`);
      for (const runId of executing) runs.stop(runId);
    }
  };

  const taskList = {
    [RUN_TASK]: async (payload: unknown) => {
      const parsed = jobPayload.safeParse(payload);
      if (!parsed.success) {
        log(`weft: queue: a ${RUN_TASK} job has no valid runId (${parsed.error.issues[0]?.message ?? 'invalid'}); it is dropped.`);
        return;
      }
      await execute(parsed.data.runId);
    },
  };
  // graphile-worker shuts its pool down when it cannot record a job's end (the database went
  // away): the supervisor starts a new one, retrying until the database answers again.
  let runner: Runner | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  const supervise = async (first = false): Promise<void> => {
    restartTimer = undefined;
    if (closing) return;
    try {
      const started = await run({
        connectionString: options.connectionString,
        concurrency: options.concurrency,
        // A connection for each job taking its lease and for graphile-worker's own listening and bookkeeping.
        maxPoolSize: options.concurrency + 2,
        noHandleSignals: true,
        logger: queueLogger(log),
        taskList,
        // Batched, a job's end that cannot be recorded reaches graphile-worker's error handler (the
        // pool stops and the supervisor starts another); unbatched it is an unhandled rejection.
        preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
      });
      runner = started;
      started.promise.then(
        () => undefined,
        (error: unknown) => log(`weft: queue: the worker pool stopped (${reasonOf(error)})`),
      ).finally(() => {
        if (runner === started) runner = undefined;
        if (!closing) restartTimer = setTimeout(() => void supervise(), tickMs);
      });
    } catch (error) {
      if (first) throw error;
      log(`weft: queue: the worker pool could not start (${reasonOf(error)}); trying again.`);
      if (!closing) restartTimer = setTimeout(() => void supervise(), tickMs);
    }
  };
  await heartbeat(database, id);
  await supervise(true);
  let ticking = Promise.resolve();
  const timer = setInterval(() => {
    ticking = ticking.then(tick);
  }, tickMs);
  timer.unref();
  ticking = ticking.then(tick);

  return {
    id,
    async close() {
      if (closing) return;
      closing = true;
      clearInterval(timer);
      if (restartTimer) clearTimeout(restartTimer);
      await ticking;
      for (const runId of runs.liveRunIds()) runs.stop(runId);
      await runner?.stop().catch((error: unknown) => log(`weft: queue: stopping the worker: ${reasonOf(error)}`));
      try {
        const handed = await handOverLeases(database, id, leaseTimeoutMs);
        if (handed.length > 0) log(`weft: handed ${handed.length} run${handed.length === 1 ? '' : 's'} over to other workers`);
        await forgetWorker(database, id);
      } catch (error) {
        log(`weft: the worker's leases could not be handed over (${reasonOf(error)}); they are taken over when they expire.`);
      }
    },
  };
}
