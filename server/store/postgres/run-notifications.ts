/**
 * What one process tells the others about runs, over PostgreSQL NOTIFY (sent inside the
 * transaction that makes the change, so it is delivered only once that commits, and in commit
 * order). A notification only says where to look: a run and its last stored seq, or the runs
 * whose index rows changed; the listener reads the rows themselves (run-fanout.ts). PostgreSQL
 * refuses payloads of 8000 bytes or more, so no event ever rides in one, and a payload that would
 * be too long (a very long run id) says "look at every run you follow" instead.
 */
import type pg from 'pg';
import { z } from 'zod';

/** Events were appended to a run. */
export const EVENTS_CHANNEL = 'weft_run_events';
/** Rows of the run index were written or deleted. */
export const INDEX_CHANNEL = 'weft_run_index';

/** Below PostgreSQL's 8000-byte limit with room for the JSON around the ids. */
const MAX_PAYLOAD_BYTES = 7_000;
const MAX_ID_CHARS = 1_000;

const originSchema = z.string().min(1).max(64);
const runIdSchema = z.string().min(1).max(MAX_ID_CHARS);

const eventsPayloadSchema = z.union([
  z.strictObject({ origin: originSchema, runId: runIdSchema, lastSeq: z.number().int().positive() }),
  /** Too long to name the run: every followed run is read. */
  z.strictObject({ origin: originSchema, everyRun: z.literal(true) }),
]);

const indexPayloadSchema = z.union([
  z.strictObject({ origin: originSchema, runIds: z.array(runIdSchema).max(MAX_PAYLOAD_BYTES) }),
  z.strictObject({ origin: originSchema, everyRun: z.literal(true) }),
]);

export type EventsNotification = z.infer<typeof eventsPayloadSchema>;
export type IndexNotification = z.infer<typeof indexPayloadSchema>;

export type RunNotification = ({ channel: typeof EVENTS_CHANNEL } & EventsNotification) | ({ channel: typeof INDEX_CHANNEL } & IndexNotification);

/** Inside the transaction that appended the run's events up to `lastSeq`. */
export async function notifyEvents(client: pg.ClientBase, origin: string, runId: string, lastSeq: number): Promise<void> {
  const named = JSON.stringify({ origin, runId, lastSeq });
  const payload = runId.length <= MAX_ID_CHARS && Buffer.byteLength(named) <= MAX_PAYLOAD_BYTES ? named : JSON.stringify({ origin, everyRun: true });
  await client.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, payload]);
}

/** Inside the transaction that wrote (or deleted) the index rows of `runIds`: as few notifications as fit. */
export async function notifyIndex(client: pg.ClientBase, origin: string, runIds: readonly string[]): Promise<void> {
  const payloads: string[] = [];
  let batch: string[] = [];
  let bytes = 0;
  for (const runId of runIds) {
    const size = Buffer.byteLength(JSON.stringify(runId)) + 1;
    if (runId.length > MAX_ID_CHARS) {
      payloads.push(JSON.stringify({ origin, everyRun: true }));
      continue;
    }
    if (bytes + size > MAX_PAYLOAD_BYTES - 100 && batch.length > 0) {
      payloads.push(JSON.stringify({ origin, runIds: batch }));
      batch = [];
      bytes = 0;
    }
    batch.push(runId);
    bytes += size;
  }
  if (batch.length > 0) payloads.push(JSON.stringify({ origin, runIds: batch }));
  for (const payload of payloads) await client.query('SELECT pg_notify($1, $2)', [INDEX_CHANNEL, payload]);
}

/** A notification as received; undefined (and ignored) when it is not one of ours. */
export function parseNotification(channel: string, payload: string | undefined): RunNotification | undefined {
  if (payload === undefined || payload.length > 8_000) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (channel === EVENTS_CHANNEL) {
    const parsed = eventsPayloadSchema.safeParse(value);
    return parsed.success ? { channel, ...parsed.data } : undefined;
  }
  if (channel === INDEX_CHANNEL) {
    const parsed = indexPayloadSchema.safeParse(value);
    return parsed.success ? { channel, ...parsed.data } : undefined;
  }
  return undefined;
}
