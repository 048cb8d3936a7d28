/**
 * `Idempotency-Key`s in database mode: the `idempotency_keys` table, shared by every server on the
 * database, so a retry that reaches another server still returns the first run. A call inserts
 * its row first (no run yet); the insert that wins starts the run and records its id, and a
 * concurrent call (here or on another server) conflicts, then waits for that id and answers with
 * it: one run per key, whichever servers the calls reach. Rows live IDEMPOTENCY_RETENTION_MS
 * (over a day); an expired row is taken over by the next call, and expired rows are trimmed as
 * new ones are written.
 */
import type { Database } from '../store/postgres/database.ts';
import { IDEMPOTENCY_RETENTION_MS, type Idempotency, type IdempotencyScope, type Remembered } from './idempotency-store.ts';

/** A row still without its run after this long belongs to a server that died while starting it. */
const ABANDONED_AFTER_MS = 60_000;
const POLL_MS = 25;

interface Row {
  fingerprint: string;
  run_id: string | null;
}

export class PostgresIdempotency implements Idempotency {
  readonly #database: Database;
  readonly #retentionMs: number;

  constructor(database: Database, retentionMs = IDEMPOTENCY_RETENTION_MS) {
    this.#database = database;
    this.#retentionMs = retentionMs;
  }

  async remember(scope: IdempotencyScope, fingerprint: string, start: () => Promise<string>): Promise<Remembered> {
    const key = [scope.keyName, scope.flowId, scope.key];
    for (;;) {
      if (await this.#claim(key, fingerprint)) return { runId: await this.#start(key, start), reused: false };
      const row = (await this.#database.query<Row>('SELECT fingerprint, run_id FROM idempotency_keys WHERE key_name = $1 AND flow_id = $2 AND idempotency_key = $3', key)).rows[0];
      if (!row) continue; // the other start failed and let the key go: try to claim it again
      if (row.fingerprint !== fingerprint) return { mismatch: true };
      if (row.run_id !== null) return { runId: row.run_id, reused: true };
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** True when this call inserted the key's row (or took over an expired or abandoned one) and so starts the run. */
  async #claim(key: string[], fingerprint: string): Promise<boolean> {
    await this.#database.query("DELETE FROM idempotency_keys WHERE created_at < now() - $1::double precision * interval '1 millisecond'", [this.#retentionMs]);
    const inserted = await this.#database.query(
      `INSERT INTO idempotency_keys (key_name, flow_id, idempotency_key, fingerprint) VALUES ($1, $2, $3, $4)
       ON CONFLICT (key_name, flow_id, idempotency_key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, run_id = NULL, created_at = now()
       WHERE idempotency_keys.created_at < now() - $5::double precision * interval '1 millisecond'
          OR (idempotency_keys.run_id IS NULL AND idempotency_keys.created_at < now() - $6::double precision * interval '1 millisecond')`,
      [...key, fingerprint, this.#retentionMs, ABANDONED_AFTER_MS],
    );
    return inserted.rowCount === 1;
  }

  async #start(key: string[], start: () => Promise<string>): Promise<string> {
    let runId: string;
    try {
      runId = await start();
    } catch (error) {
      await this.#database.query('DELETE FROM idempotency_keys WHERE key_name = $1 AND flow_id = $2 AND idempotency_key = $3 AND run_id IS NULL', key);
      throw error;
    }
    await this.#database.query('UPDATE idempotency_keys SET run_id = $4 WHERE key_name = $1 AND flow_id = $2 AND idempotency_key = $3', [...key, runId]);
    return runId;
  }
}
