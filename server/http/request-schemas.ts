/** The strict shapes of every REST request part. */
import { z } from 'zod';
import { ID_PATTERN, ID_RULE } from '../../shared/ids.ts';


export const idParam = z.string().regex(ID_PATTERN, `must be an id (${ID_RULE})`);

export const flowParams = z.object({ id: idParam }).strict();
export const runParams = z.object({ runId: idParam }).strict();
export const stepParams = z.object({ runId: idParam, nodeId: idParam }).strict();

export const emptyQuery = z.object({}).strict();
export const runsQuery = z
  .object({
    flowId: idParam.optional(),
    limit: z.string().regex(/^\d{1,4}$/, 'must be a whole number from 1 to 1000').transform(Number).pipe(z.number().min(1).max(1000)).optional(),
  })
  .strict();
export const eventsQuery = z
  .object({ after: z.string().regex(/^\d{1,15}$/, 'must be a whole number, the last seq seen').transform(Number).optional() })
  .strict();

const present = z.unknown().refine((value) => value !== undefined, 'is required');
const inputs = z.record(z.string(), z.unknown());

export const startSavedRunBody = z.object({ inputs: inputs.optional() }).strict();
export const startRunBody = z.object({ flow: present, inputs: inputs.optional() }).strict();
export const estimateBody = z.object({ flow: present, inputs: inputs.optional() }).strict();

/** Who decided or cancelled: a name a person would recognise, never markup. */
export const actorName = z
  .string()
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._@'-]{0,63}$/u, 'must be a name of 1 to 64 letters, digits, spaces or . _ @ \' -');

/**
 * An answer to a waiting step: who answers, and the answer's own fields, which the step's kind
 * checks against its `wait.answerSchema` (an approval's: `decision`, `comment`, `payload`).
 */
export const decisionBody = z.object({ by: actorName.optional() }).catchall(z.unknown());

export const cancelBody = z.object({ by: actorName.optional() }).strict();
