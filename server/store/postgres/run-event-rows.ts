/**
 * Run events as rows (migrations/0002-runs.sql) and back. An append is conditional on the run's
 * last stored seq: a run.started creates the run's row (and fails if one exists), any later batch
 * moves `runs.last_seq` from the seq before its first event to its last, or fails. Either failure
 * is a RunConflictError: another process recorded the run's next event first.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { RunEvent } from '../../../shared/events.ts';
import type { RunIndexEntry } from '../run-index.ts';
import { RunConflictError } from '../store-errors.ts';
import type { Database } from './database.ts';

/** An event as it is stored: its body's text (a run.started without its flow) and the flow's text apart. */
export interface EventText {
  body: string;
  flowDocument?: string;
}


/** Throws what JSON.stringify throws (a BigInt, a cycle): the caller reports the event as unrecordable. */
export function eventText(event: RunEvent): EventText {
  if (event.type !== 'run.started') return { body: JSON.stringify(event) };
  const { flow, ...rest } = event;
  return { body: JSON.stringify(rest), flowDocument: JSON.stringify(flow) };
}

export function textBytes(text: EventText): number {
  return Buffer.byteLength(text.body) + (text.flowDocument === undefined ? 0 : Buffer.byteLength(text.flowDocument)) + 1;
}

/** Inserts one run's batch inside the caller's transaction; events are consecutive, in order. */
export async function insertEvents(client: pg.ClientBase, runId: string, events: RunEvent[], texts: EventText[]): Promise<void> {
  const first = events[0]!;
  const last = events.at(-1)!;
  if (first.type === 'run.started') {
    const document = texts[0]!.flowDocument!;
    const hash = createHash('sha256').update(document).digest('hex');
    await client.query('INSERT INTO pinned_flows (hash, document) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING', [hash, document]);
    const created = await client.query(
      `INSERT INTO runs (run_id, flow_id, flow_name, flow_hash, pinned_flow, status, started_at, last_seq)
       VALUES ($1, $2, $3, $4, $5, 'running', $6, $7)
       ON CONFLICT (run_id) DO UPDATE SET pinned_flow = EXCLUDED.pinned_flow, last_seq = EXCLUDED.last_seq WHERE runs.last_seq = 0`,
      [runId, first.flowId, first.flow.name ?? first.flowId, first.flowHash, hash, first.at, last.seq],
    );
    if (created.rowCount !== 1 || first.seq !== 1) throw new RunConflictError(runId, first.seq);
  } else {
    const moved = await client.query('UPDATE runs SET last_seq = $3 WHERE run_id = $1 AND last_seq = $2', [runId, first.seq - 1, last.seq]);
    if (moved.rowCount !== 1) throw new RunConflictError(runId, first.seq);
  }
  await client.query(
    `INSERT INTO run_events (run_id, seq, type, body, at)
     SELECT $1, seq, type, body::json, at FROM unnest($2::integer[], $3::text[], $4::text[], $5::text[]) AS batch (seq, type, body, at)`,
    [runId, events.map((event) => event.seq), events.map((event) => event.type), texts.map((text) => text.body), events.map((event) => event.at)],
  );
}

interface EventRow {
  body: string;
  document: string | null;
}

/** The run's stored events with seq > after, in order; undefined when the run has none stored. */
export async function selectEvents(database: Pick<Database, 'query'>, runId: string, after: number): Promise<RunEvent[] | undefined> {
  const { rows } = await database.query<EventRow>(
    `SELECT e.body::text AS body, p.document
       FROM run_events e
       LEFT JOIN runs r ON e.seq = 1 AND r.run_id = e.run_id
       LEFT JOIN pinned_flows p ON p.hash = r.pinned_flow
      WHERE e.run_id = $1 AND e.seq > $2
      ORDER BY e.seq`,
    [runId, after],
  );
  if (rows.length === 0) {
    if (after <= 0) return undefined;
    const known = await database.query('SELECT 1 FROM run_events WHERE run_id = $1 AND seq = 1', [runId]);
    return known.rows.length > 0 ? [] : undefined;
  }
  return rows.map((row) => {
    const event = JSON.parse(row.body) as RunEvent;
    return row.document === null ? event : ({ ...event, flow: JSON.parse(row.document) } as RunEvent);
  });
}

export interface RunRow {
  run_id: string;
  flow_id: string;
  flow_name: string;
  flow_hash: string;
  status: RunIndexEntry['status'];
  started_at: string;
  ended_at: string | null;
  cost_usd: number;
  duration_ms: number | null;
  inputs_preview: string | null;
  /** Seq of the run's last stored event (0 before its run.started is stored). */
  last_seq: number;
  parent_run_id: string | null;
}

export const SELECT_INDEX = 'SELECT run_id, flow_id, flow_name, flow_hash, status, started_at, ended_at, cost_usd, duration_ms, inputs_preview, last_seq, parent_run_id FROM runs';

export function indexEntryOf(row: RunRow): RunIndexEntry {
  return {
    runId: row.run_id,
    flowId: row.flow_id,
    flowName: row.flow_name,
    flowHash: row.flow_hash,
    status: row.status,
    startedAt: row.started_at,
    ...(row.ended_at !== null ? { endedAt: row.ended_at } : {}),
    costUsd: row.cost_usd,
    ...(row.duration_ms !== null ? { durationMs: row.duration_ms } : {}),
    ...(row.inputs_preview !== null ? { inputsPreview: row.inputs_preview } : {}),
    ...(row.parent_run_id !== null ? { parentRunId: row.parent_run_id } : {}),
  };
}

/**
 * Writes index entries (creating rows for runs whose run.started is not stored here yet) and deletes
 * removed runs. An ended run's row never goes back to running or waiting: with several processes
 * (server/queue/), a late write from the process that ran the run before cannot undo its end.
 */
export async function writeIndex(client: pg.ClientBase, put: RunIndexEntry[], removed: string[]): Promise<void> {
  if (put.length > 0) {
    await client.query(
      `INSERT INTO runs (run_id, flow_id, flow_name, flow_hash, status, started_at, ended_at, cost_usd, duration_ms, inputs_preview, parent_run_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::double precision[], $9::double precision[], $10::text[], $11::text[])
       ON CONFLICT (run_id) DO UPDATE SET flow_id = EXCLUDED.flow_id, flow_name = EXCLUDED.flow_name, flow_hash = EXCLUDED.flow_hash, status = EXCLUDED.status,
         started_at = EXCLUDED.started_at, ended_at = EXCLUDED.ended_at, cost_usd = EXCLUDED.cost_usd, duration_ms = EXCLUDED.duration_ms, inputs_preview = EXCLUDED.inputs_preview,
         parent_run_id = EXCLUDED.parent_run_id
       WHERE runs.status IN ('running', 'waiting') OR EXCLUDED.status NOT IN ('running', 'waiting')`,
      [
        put.map((entry) => entry.runId),
        put.map((entry) => entry.flowId),
        put.map((entry) => entry.flowName),
        put.map((entry) => entry.flowHash),
        put.map((entry) => entry.status),
        put.map((entry) => entry.startedAt),
        put.map((entry) => entry.endedAt ?? null),
        put.map((entry) => entry.costUsd),
        put.map((entry) => entry.durationMs ?? null),
        put.map((entry) => entry.inputsPreview ?? null),
        put.map((entry) => entry.parentRunId ?? null),
      ],
    );
  }
  if (removed.length > 0) await client.query('DELETE FROM runs WHERE run_id = ANY($1::text[])', [removed]);
}
