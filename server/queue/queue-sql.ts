/**
 * The SQL of runs handed to workers: graphile-worker's jobs (one `weft.run` job per run at a time,
 * by job key) and the leases and heartbeats of migrations/0006-run-leases.sql. Every function takes
 * the client of the caller's transaction, so a job is queued in the transaction that records why.
 */
import type pg from 'pg';

export const RUN_TASK = 'weft.run';

/** The job key of a run: graphile-worker keeps at most one waiting job per key. */
export function runJobKey(runId: string): string {
  return `${RUN_TASK}:${runId}`;
}

/** A pooled connection in a transaction, or the pool (server/store/postgres/database.ts). */
type Queryable = { query<Row extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<Row>> };

/**
 * Queues the run's execution now, and marks it as one that should be executing (a lease without an
 * owner), so that a worker dying between picking the job and taking the lease cannot lose it.
 */
export async function queueRunNow(client: Queryable, runId: string, leaseTimeoutMs: number): Promise<void> {
  await client.query(
    `INSERT INTO run_leases (run_id, owner, expires_at) VALUES ($1, NULL, now() + $2 * interval '1 millisecond') ON CONFLICT (run_id) DO NOTHING`,
    [runId, leaseTimeoutMs],
  );
  // 'replace' moves a waiting job of the run to now; a job already running keeps going and this one is new.
  await client.query(`SELECT FROM graphile_worker.add_job($1, json_build_object('runId', $2::text), job_key => $3, job_key_mode => 'replace')`, [RUN_TASK, runId, runJobKey(runId)]);
}

/** Queues the run's execution at a deadline; an earlier job of the run already waiting keeps its time. */
export async function queueRunAt(client: Queryable, runId: string, at: string): Promise<void> {
  await client.query(`SELECT FROM graphile_worker.add_job($1, json_build_object('runId', $2::text), run_at => $3::timestamptz, job_key => $4, job_key_mode => 'preserve_run_at')`, [
    RUN_TASK,
    runId,
    at,
    runJobKey(runId),
  ]);
}

/** Takes the run's lease for `owner` when nobody holds it, or its holder's lease expired. */
export async function claimLease(client: Queryable, runId: string, owner: string, leaseTimeoutMs: number): Promise<'claimed' | 'held' | 'no-run'> {
  try {
    const { rowCount } = await client.query(
      `INSERT INTO run_leases (run_id, owner, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
       ON CONFLICT (run_id) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
       WHERE run_leases.owner IS NULL OR run_leases.owner = EXCLUDED.owner OR run_leases.expires_at < now()`,
      [runId, owner, leaseTimeoutMs],
    );
    return rowCount === 1 ? 'claimed' : 'held';
  } catch (error) {
    // The run's row is gone (foreign key): there is nothing to execute.
    if ((error as { code?: unknown }).code === '23503') return 'no-run';
    throw error;
  }
}

/**
 * Renews the leases of the runs `owner` executes; answers those it still holds. A lease it holds
 * for a run it no longer executes (the run stopped on a fault) is not renewed: it expires and the
 * sweep queues the run again.
 */
export async function renewLeases(client: Queryable, owner: string, runIds: string[], leaseTimeoutMs: number): Promise<Set<string>> {
  const { rows } = await client.query<{ run_id: string }>(`UPDATE run_leases SET expires_at = now() + $2 * interval '1 millisecond' WHERE owner = $1 AND run_id = ANY($3::text[]) RETURNING run_id`, [owner, leaseTimeoutMs, runIds]);
  return new Set(rows.map((row) => row.run_id));
}

/** Lets go of the run's lease (only if `owner` still holds it). */
export async function dropLease(client: Queryable, runId: string, owner: string): Promise<void> {
  await client.query('DELETE FROM run_leases WHERE run_id = $1 AND owner = $2', [runId, owner]);
}

/** The run's last stored seq (0 when it has no row). */
export async function lastSeqOf(client: Queryable, runId: string): Promise<number> {
  const { rows } = await client.query<{ last_seq: number }>('SELECT last_seq FROM runs WHERE run_id = $1', [runId]);
  return rows[0]?.last_seq ?? 0;
}

/**
 * Queues again every run whose lease expired (its worker died, or never took the job it picked):
 * the lease loses its owner and gets a new term, so one sweeper handles each, whichever runs first.
 */
export async function sweepExpiredLeases(client: Queryable, leaseTimeoutMs: number): Promise<string[]> {
  const { rows } = await client.query<{ run_id: string }>(
    `WITH expired AS (
       UPDATE run_leases SET owner = NULL, expires_at = now() + $1 * interval '1 millisecond'
        WHERE run_id IN (SELECT run_id FROM run_leases WHERE expires_at < now() FOR UPDATE SKIP LOCKED)
       RETURNING run_id)
     SELECT run_id, graphile_worker.add_job($2, json_build_object('runId', run_id), job_key => $3 || run_id, job_key_mode => 'replace') IS NOT NULL AS queued FROM expired`,
    [leaseTimeoutMs, RUN_TASK, `${RUN_TASK}:`],
  );
  return rows.map((row) => row.run_id);
}

/** Gives up every lease `owner` holds (a worker shutting down) and queues those runs for another worker. */
export async function handOverLeases(client: Queryable, owner: string, leaseTimeoutMs: number): Promise<string[]> {
  const { rows } = await client.query<{ run_id: string }>(
    `WITH mine AS (
       UPDATE run_leases SET owner = NULL, expires_at = now() + $2 * interval '1 millisecond' WHERE owner = $1 RETURNING run_id)
     SELECT run_id, graphile_worker.add_job($3, json_build_object('runId', run_id), job_key => $4 || run_id, job_key_mode => 'replace') IS NOT NULL AS queued FROM mine`,
    [owner, leaseTimeoutMs, RUN_TASK, `${RUN_TASK}:`],
  );
  return rows.map((row) => row.run_id);
}

export async function heartbeat(client: Queryable, workerId: string): Promise<void> {
  await client.query('INSERT INTO weft_workers (worker_id, seen_at) VALUES ($1, now()) ON CONFLICT (worker_id) DO UPDATE SET seen_at = now()', [workerId]);
}

export async function forgetWorker(client: Queryable, workerId: string): Promise<void> {
  await client.query('DELETE FROM weft_workers WHERE worker_id = $1', [workerId]);
}

/** Workers whose heartbeat is younger than `withinMs`; heartbeats older than a day are deleted on the way. */
export async function aliveWorkers(client: Queryable, withinMs: number): Promise<number> {
  await client.query(`DELETE FROM weft_workers WHERE seen_at < now() - interval '1 day'`);
  const { rows } = await client.query<{ alive: string }>(`SELECT count(*) AS alive FROM weft_workers WHERE seen_at > now() - $1 * interval '1 millisecond'`, [withinMs]);
  return Number(rows[0]?.alive ?? 0);
}
