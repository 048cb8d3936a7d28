/**
 * What a REST request may carry: params, queries and bodies, as strict zod schemas. The server
 * parses every part with them (server/http/parse-request.ts); the client types what it sends
 * with them (client/api/api-client.ts).
 *
 * Every body is first bounded as a whole (depth, keys and items, no `__proto__`, `constructor` or
 * `prototype` key anywhere), then held to its strict shape; free JSON inside (a flow, run inputs,
 * a decision's payload) is bounded the same way.
 */
import { z } from 'zod';
import { ID_PATTERN, ID_RULE } from '../ids.ts';
import { runOriginSchema } from '../run-origin.ts';
import { wireJson } from './wire-limits.ts';

const MAX_TEXT = 10_000;

export const idParam = z.string().regex(ID_PATTERN, `must be an id (${ID_RULE})`);

export const flowParams = z.object({ id: idParam }).strict();
export const runParams = z.object({ runId: idParam }).strict();
export const stepParams = z.object({ runId: idParam, nodeId: idParam }).strict();

export const emptyQuery = z.object({}).strict();
/** `GET /api/cost?flowId=&since=YYYY-MM-DD` */
export const costQuery = z
  .object({
    flowId: idParam.optional(),
    since: z.string().regex(/^\d{4}-\d\d-\d\d$/, 'a date like 2026-12-01').refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)), 'a calendar date').optional(),
  })
  .strict();
/** How many runs a page of `GET /api/runs` holds when the request names no `limit`, and at most. */
export const RUN_PAGE_DEFAULT = 100;
export const RUN_PAGE_MAX = 1000;
/** A page's `next`: the start and id of its last run (`<startedAt>_<runId>`), passed back as `before`. */
export const RUN_CURSOR = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z)_([a-z][a-z0-9-]{0,62})$/;
/** `GET /api/runs`: newest first, a page at a time; the filters apply before the page is cut. */
export const runsQuery = z
  .object({
    flowId: idParam.optional(),
    /** The child runs of this run, instead of the top-level runs. */
    parentRunId: idParam.optional(),
    status: z.enum(['running', 'waiting', 'succeeded', 'failed', 'cancelled']).optional(),
    /** Runs started at or after this moment (ISO 8601, with Z or an offset). */
    since: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date and time, e.g. 2026-12-01T00:00:00Z' }).optional(),
    /** The previous page's `next`: runs older than its last one. */
    before: z.string().max(120, 'must be at most 120 characters').regex(RUN_CURSOR, "must be the previous page's `next` (<startedAt>_<runId>)").optional(),
    limit: z.string().regex(/^\d{1,4}$/, `must be a whole number from 1 to ${RUN_PAGE_MAX}`).transform(Number).pipe(z.number().min(1).max(RUN_PAGE_MAX)).optional(),
  })
  .strict();
export type RunsQuery = z.infer<typeof runsQuery>;
export const eventsQuery = z
  .object({ after: z.string().regex(/^\d{1,15}$/, 'must be a whole number, the last seq seen').transform(Number).optional() })
  .strict();

/** A body: bounded as a whole first, so a deep or hostile document never reaches the shape check. */
function body<T extends z.ZodType>(shape: T) {
  return wireJson().pipe(shape);
}

const present = z.unknown().refine((value): boolean => value !== undefined, 'is required').pipe(wireJson());
/** Run inputs by name; each value is checked against the flow's input ports when the run starts. */
export const runInputsBody = z.record(z.string(), wireJson());

/** `PUT /api/flows/:id`: a flow document, validated by shared/validate.ts after this bound. */
export const flowDocumentBody = body(z.record(z.string(), z.unknown()));
/** `origin`: what starts the run (the designer sends `{type: "designer"}`), shown in history. */
export const startSavedRunBody = body(z.object({ inputs: runInputsBody.optional(), origin: runOriginSchema.optional() }).strict());
export const startRunBody = body(z.object({ flow: present, inputs: runInputsBody.optional(), origin: runOriginSchema.optional() }).strict());
export const estimateBody = body(z.object({ flow: present, inputs: runInputsBody.optional() }).strict());

/** Who decided or cancelled: a name a person would recognise, never markup. */
export const actorName = z
  .string()
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._@'-]{0,63}$/u, 'must be a name of 1 to 64 letters, digits, spaces or . _ @ \' -');

/**
 * An answer to a waiting step: who answers, and the answer's own fields, which the step's kind
 * checks against its `wait.answerSchema` (an approval's: `decision`, `comment`, `payload`).
 * Bounded like every body; the kind's schema is strict about the rest.
 */
export const decisionBody = body(z.object({ by: actorName.optional() }).catchall(wireJson()));

export const cancelBody = body(z.object({ by: actorName.optional() }).strict());

export type StartSavedRunBody = z.output<typeof startSavedRunBody>;
export type StartRunBody = z.output<typeof startRunBody>;
export type EstimateBody = z.output<typeof estimateBody>;
export type DecisionBody = z.output<typeof decisionBody>;
export type CancelBody = z.output<typeof cancelBody>;

/** `POST /api/flows/:id/invoke?wait=`: seconds to wait for the run to end (default 30, at most 300). */
export const MAX_INVOKE_WAIT_SECONDS = 300;
export const DEFAULT_INVOKE_WAIT_SECONDS = 30;
export const invokeQuery = z
  .object({
    wait: z.string().regex(/^\d{1,3}$/, `must be a whole number of seconds from 0 to ${MAX_INVOKE_WAIT_SECONDS}`).transform(Number).pipe(z.number().max(MAX_INVOKE_WAIT_SECONDS, `must be at most ${MAX_INVOKE_WAIT_SECONDS} seconds`)).optional(),
  })
  .strict();
export const invokeBody = body(z.object({ inputs: runInputsBody.optional() }).strict());
/** The `Idempotency-Key` header: a retried call with the same key returns the same run. */
export const idempotencyKeyHeader = z.string().regex(/^[\x21-\x7e]{1,200}$/, 'must be 1 to 200 visible ASCII characters');
export type InvokeBody = z.output<typeof invokeBody>;

/** `POST /api/keys`: a key's name, and the flows it may invoke (all when absent). */
export const keyNameParam = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be 1 to 64 lower-case letters, digits, ".", "_" or "-"');
export const createKeyBody = body(z.object({ name: keyNameParam, flows: z.array(idParam).max(100).optional() }).strict());
export const keyParams = z.object({ name: keyNameParam }).strict();
export type CreateKeyBody = z.output<typeof createKeyBody>;
