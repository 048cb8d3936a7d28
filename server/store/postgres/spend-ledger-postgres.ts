/**
 * The spend ledger of database mode (migrations/0004-spend-ledger.sql): the same SpendLedger the
 * engine uses in file mode, shared by every server and worker on the database. A reservation is
 * one transaction that locks the period rows of its caps (`SELECT … FOR UPDATE`, in key order),
 * adds what live reservations hold, and inserts its own only if every cap has room; settling
 * deletes it and adds the real cost to its periods. So two processes never both take the last dollar.
 *
 * A process renews the leases of what it holds; a reservation whose lease ran out (its process
 * died, or lost the database) is settled by the next reservation from what the run's log shows the
 * step spent, so a crash never holds a cap for longer than one lease.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { calendarPeriod, DEFAULT_SPEND_TIME_ZONE, type SpendPeriod } from '../../../shared/spend-caps.ts';
import type { ScopedSpendCap, SpendLedger, SpendRefusal, SpendRequest, SpendReservation } from '../../engine/spend-ledger.ts';
import { reasonOf } from './database-errors.ts';
import type { Database } from './database.ts';

/** One cap's calendar period: what a period row counts. `flowId` is undefined for a server cap. */
export interface SpendPeriodKey {
  scope: 'flow' | 'server';
  flowId: string | undefined;
  period: SpendPeriod;
  timeZone: string;
  periodKey: string;
}

/** Where the ledger reads spend it did not settle itself: the runs' logs in the database. */
export interface SpendLogs {
  /** What the logs hold as spent in a period, before the ledger first counts it. */
  spentIn(period: SpendPeriodKey): Promise<number>;
  /** What a step's log shows it spent from `since` on (a reservation its process left behind). */
  spentByStep(runId: string, nodeId: string, since: Date): Promise<number>;
}

export interface PostgresSpendLedgerOptions {
  database: Database;
  logs: SpendLogs;
  /** How long a reservation lives without its process renewing it (default 2 minutes). */
  leaseMs?: number;
  log?: (line: string) => void;
}

const DEFAULT_LEASE_MS = 120_000;
const EPSILON = 1e-12;
/** Period rows are kept this long after they were made: well past the end of the longest period. */
const PERIOD_ROWS_KEPT_DAYS = 70;
/** Left-behind reservations settled per reservation asked, at most. */
const RECLAIM_BATCH = 20;

interface PeriodOfCap {
  cap: ScopedSpendCap;
  key: SpendPeriodKey;
  text: string;
}

interface ReservationRow {
  id: string;
  cap_keys: string[];
  usd: number;
  run_id: string | null;
  node_id: string | null;
  reserved_at: Date;
}

export function periodOfCap(flowId: string, cap: ScopedSpendCap, at: Date): SpendPeriodKey {
  const timeZone = cap.timeZone ?? DEFAULT_SPEND_TIME_ZONE;
  return { scope: cap.scope, flowId: cap.scope === 'flow' ? flowId : undefined, period: cap.period, timeZone, periodKey: calendarPeriod(at, cap.period, timeZone) };
}

/** The row key: JSON, so no flow id or zone name can run into the next field. */
function keyText(key: SpendPeriodKey): string {
  return JSON.stringify([key.scope, key.flowId ?? null, key.period, key.timeZone, key.periodKey]);
}

export class PostgresSpendLedger implements SpendLedger {
  readonly #database: Database;
  readonly #logs: SpendLogs;
  readonly #leaseMs: number;
  readonly #log: (line: string) => void;
  /** Reservations this process holds: their leases are renewed until they are settled. */
  readonly #held = new Set<string>();
  /** Period rows known to exist (they are never deleted while current). */
  readonly #known = new Set<string>();
  #renewer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: PostgresSpendLedgerOptions) {
    this.#database = options.database;
    this.#logs = options.logs;
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.#log = options.log ?? ((line) => console.warn(line));
  }

  async reserve(request: SpendRequest): Promise<SpendReservation> {
    if (this.#closed) throw new Error('the spend ledger is closed');
    const periods = request.caps
      .map((cap) => {
        const key = periodOfCap(request.flowId, cap, request.at);
        return { cap, key, text: keyText(key) };
      })
      .sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
    if (periods.length === 0) return { ok: true, settle: async () => undefined };
    await this.#reclaimExpired();
    await this.#ensurePeriods(periods);
    const id = randomUUID();
    const refusal = await this.#database.transaction((client) => this.#hold(client, id, request, periods));
    if (refusal) return { ok: false, refusal };
    this.#held.add(id);
    this.#startRenewing();
    let settled = false;
    return {
      ok: true,
      settle: async (actualUsd) => {
        if (settled) return;
        settled = true;
        this.#held.delete(id);
        if (this.#closed) return; // left to expire: the next process settles it from the log
        try {
          await this.#database.transaction((client) => settleReservation(client, id, actualUsd));
        } catch (error) {
          this.#log(`weft: could not settle a spend reservation of run ${request.runId ?? '?'} (${reasonOf(error)}); it is settled from the run's log once its lease runs out.`);
        }
      },
    };
  }

  /** Stops renewing: what is still held expires and is settled by another process from the logs. */
  close(): void {
    this.#closed = true;
    if (this.#renewer) clearInterval(this.#renewer);
    this.#renewer = undefined;
  }

  async #hold(client: pg.PoolClient, id: string, request: SpendRequest, periods: PeriodOfCap[]): Promise<SpendRefusal | undefined> {
    const keys = periods.map((period) => period.text);
    const { rows: spentRows } = await client.query<{ cap_key: string; spent_usd: number }>('SELECT cap_key, spent_usd FROM spend_periods WHERE cap_key = ANY($1) ORDER BY cap_key FOR UPDATE', [keys]);
    const { rows: heldRows } = await client.query<{ cap_key: string; held_usd: number }>(
      `SELECT key AS cap_key, coalesce(sum(r.usd), 0)::float8 AS held_usd
       FROM unnest($1::text[]) AS key LEFT JOIN spend_reservations r ON key = ANY (r.cap_keys) GROUP BY key`,
      [keys],
    );
    const spent = new Map(spentRows.map((row) => [row.cap_key, row.spent_usd]));
    const held = new Map(heldRows.map((row) => [row.cap_key, row.held_usd]));
    for (const { cap, key, text } of periods) {
      const spentUsd = spent.get(text) ?? 0;
      const reservedUsd = held.get(text) ?? 0;
      if (spentUsd + reservedUsd + request.usd > cap.usd + EPSILON) {
        return { scope: cap.scope, flowId: request.flowId, period: key.period, periodKey: key.periodKey, timeZone: key.timeZone, capUsd: cap.usd, spentUsd, reservedUsd, neededUsd: request.usd };
      }
    }
    await client.query(
      `INSERT INTO spend_reservations (id, flow_id, cap_keys, usd, run_id, node_id, reserved_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now() + $8::float8 * interval '1 millisecond')`,
      [id, request.flowId, keys, request.usd, request.runId ?? null, request.nodeId ?? null, request.at, this.#leaseMs],
    );
    return undefined;
  }

  /** A period's row, created the first time any process counts it, starts from what the logs hold. */
  async #ensurePeriods(periods: PeriodOfCap[]): Promise<void> {
    const unknown = periods.filter((period) => !this.#known.has(period.text));
    if (unknown.length === 0) return;
    const { rows } = await this.#database.query<{ cap_key: string }>('SELECT cap_key FROM spend_periods WHERE cap_key = ANY($1)', [unknown.map((period) => period.text)]);
    const present = new Set(rows.map((row) => row.cap_key));
    for (const period of unknown) {
      if (!present.has(period.text)) {
        // No reservation can count in a period before its row exists, so the logs hold all its spend so far.
        const spent = await this.#logs.spentIn(period.key);
        const created = await this.#database.query('INSERT INTO spend_periods (cap_key, spent_usd) VALUES ($1, $2) ON CONFLICT (cap_key) DO NOTHING', [period.text, spent]);
        // A new period began: rows of periods long past go (no current day or month is older than 33 days).
        if (created.rowCount === 1) await this.#database.query(`DELETE FROM spend_periods WHERE created_at < now() - interval '${PERIOD_ROWS_KEPT_DAYS} days'`);
      }
      this.#known.add(period.text);
    }
  }

  /** Settles reservations whose lease ran out from their runs' logs (another process may be at it: SKIP LOCKED). */
  async #reclaimExpired(): Promise<void> {
    const { rows: due } = await this.#database.query('SELECT 1 FROM spend_reservations WHERE expires_at < now() LIMIT 1');
    if (due.length === 0) return;
    await this.#database.transaction(async (client) => {
      const { rows } = await client.query<ReservationRow>(
        `SELECT id, cap_keys, usd, run_id, node_id, reserved_at FROM spend_reservations
         WHERE expires_at < now() ORDER BY id LIMIT ${RECLAIM_BATCH} FOR UPDATE SKIP LOCKED`,
      );
      if (rows.length === 0) return;
      const spent = new Map<string, number>();
      for (const row of rows) {
        const usd = row.run_id !== null && row.node_id !== null ? await this.#logs.spentByStep(row.run_id, row.node_id, row.reserved_at) : 0;
        for (const key of row.cap_keys) spent.set(key, (spent.get(key) ?? 0) + usd);
        this.#log(`weft: a spend reservation of run ${row.run_id ?? '?'} step ${row.node_id ?? '?'} outlived its process; settled at $${usd} from the run's log.`);
      }
      const keys = [...spent.keys()].sort();
      await client.query('SELECT 1 FROM spend_periods WHERE cap_key = ANY($1) ORDER BY cap_key FOR UPDATE', [keys]);
      await client.query(
        `UPDATE spend_periods p SET spent_usd = p.spent_usd + s.usd FROM unnest($1::text[], $2::float8[]) AS s (cap_key, usd) WHERE p.cap_key = s.cap_key`,
        [keys, keys.map((key) => spent.get(key)!)],
      );
      await client.query('DELETE FROM spend_reservations WHERE id = ANY($1)', [rows.map((row) => row.id)]);
    });
  }

  #startRenewing(): void {
    if (this.#renewer || this.#closed) return;
    this.#renewer = setInterval(() => void this.#renew(), Math.max(10, Math.floor(this.#leaseMs / 3)));
    this.#renewer.unref();
  }

  async #renew(): Promise<void> {
    if (this.#held.size === 0) {
      clearInterval(this.#renewer);
      this.#renewer = undefined;
      return;
    }
    try {
      await this.#database.query(`UPDATE spend_reservations SET expires_at = now() + $2::float8 * interval '1 millisecond' WHERE id = ANY($1)`, [[...this.#held], this.#leaseMs]);
    } catch (error) {
      this.#log(`weft: could not renew spend reservations (${reasonOf(error)}); they expire unless the database answers before their lease runs out.`);
    }
  }
}

/** Deletes the reservation and counts its real cost; nothing when another process already settled it from the log. */
async function settleReservation(client: pg.PoolClient, id: string, actualUsd: number): Promise<void> {
  const { rows } = await client.query<{ cap_keys: string[] }>('DELETE FROM spend_reservations WHERE id = $1 RETURNING cap_keys', [id]);
  const keys = rows[0]?.cap_keys;
  if (!keys || actualUsd <= 0) return;
  await client.query('SELECT 1 FROM spend_periods WHERE cap_key = ANY($1) ORDER BY cap_key FOR UPDATE', [[...keys].sort()]);
  await client.query('UPDATE spend_periods SET spent_usd = spent_usd + $2 WHERE cap_key = ANY($1)', [keys, actualUsd]);
}
