/**
 * WebSocket messages on `/ws`, both ways. The server parses what clients send with
 * `clientMessageSchema` (bounded as a whole, then strict) and builds what it sends as
 * `ServerMessage`; the browser parses what it receives with `serverMessageSchema`
 * (client/api/run-socket.ts) and builds what it sends as `ClientMessage`.
 */
import { z } from 'zod';
import { runEventSchema } from '../events.ts';
import { ID_PATTERN, ID_RULE } from '../ids.ts';
import { issueSchema } from './rest-answers.ts';
import { wireJson } from './wire-limits.ts';

/** Every run (live events only). */
export const ALL_RUNS = '*';

const runTarget = z.union([z.literal(ALL_RUNS), z.string().regex(ID_PATTERN, `must be a run id (${ID_RULE}) or "*"`)]);

export const clientMessageSchema = wireJson().pipe(
  z.discriminatedUnion('type', [
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
  ]),
);
export type ClientMessage = z.output<typeof clientMessageSchema>;

export const serverMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('event'), event: runEventSchema }),
  /** Replay is done: everything up to lastSeq was sent; live events follow. For "*", lastSeq is absent. */
  z.object({ type: z.literal('subscribed'), runId: z.string(), lastSeq: z.number().int().min(0).optional() }),
  z.object({ type: z.literal('unsubscribed'), runId: z.string() }),
  /** A message refused (bad, over a rate limit) or a subscribe that failed; `runId` when it concerns one run. */
  z.object({ type: z.literal('error'), message: z.string(), runId: z.string().optional(), issues: z.array(issueSchema).optional() }),
  z.object({ type: z.literal('pong') }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;
