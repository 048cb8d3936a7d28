/**
 * WebSocket messages, both ways. Client messages are parsed with strict schemas (never cast);
 * server messages are built only through these types.
 */
import { z } from 'zod';
import type { RunEvent } from '../../shared/events.ts';
import { ID_PATTERN, ID_RULE } from '../../shared/ids.ts';

const runTarget = z.union([z.literal('*'), z.string().regex(ID_PATTERN, `must be a run id (${ID_RULE}) or "*"`)]);

export const clientMessageSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('subscribe'),
      runId: runTarget,
      /** Replay stored events with seq > after, then stream live ones. Only for one run. */
      after: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    })
    .strict(),
  z.object({ type: z.literal('unsubscribe'), runId: runTarget }).strict(),
  z.object({ type: z.literal('ping') }).strict(),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

export type ServerMessage =
  | { type: 'event'; event: RunEvent }
  /** Replay is done: everything up to lastSeq was sent; live events follow. For "*", lastSeq is absent. */
  | { type: 'subscribed'; runId: string; lastSeq?: number }
  | { type: 'unsubscribed'; runId: string }
  | { type: 'error'; message: string; runId?: string; issues?: Array<{ path: string; message: string }> }
  | { type: 'pong' };

export function encode(message: ServerMessage): string {
  return JSON.stringify(message);
}
