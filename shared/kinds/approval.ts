import { z } from 'zod';
import { defineKind, defineWait } from './define-kind.ts';

/** A year: a longer wait is a mistake, and dates far enough out are not dates at all (9e15 ms). */
export const MAX_APPROVAL_TIMEOUT_MS = 365 * 24 * 60 * 60 * 1000;

export const approvalConfigSchema = z
  .object({
    title: z.string().min(1).describe('What the person is asked to decide'),
    instructions: z.string().optional(),
    allowEdit: z.boolean().optional().describe('The approver may edit the payload before approving'),
    timeoutMs: z.number().int().min(1_000).max(MAX_APPROVAL_TIMEOUT_MS).optional().describe('Decide automatically after this long (at most a year)'),
    onTimeout: z.enum(['approve', 'reject']).optional().describe('Decision taken at the deadline (default reject)'),
  })
  .strict();
export type ApprovalConfig = z.infer<typeof approvalConfigSchema>;

/** What a waiting approval step asks (the `request` of its `step.waiting` event). */
export const approvalRequestSchema = z.object({
  title: z.string(),
  instructions: z.string().optional(),
  payload: z.unknown(),
  allowEdit: z.boolean(),
  /** ISO time at which `onTimeout` applies. */
  deadline: z.string().optional(),
  onTimeout: z.enum(['approve', 'reject']).optional(),
});
export type ApprovalRequest = z.infer<typeof approvalRequestSchema>;

export const MAX_COMMENT_LENGTH = 10_000;

/** A person's decision (the `answer` of its `step.decided` event); a payload means an edited one. */
export const approvalAnswerSchema = z
  .object({
    decision: z.enum(['approve', 'reject']),
    comment: z.string().max(MAX_COMMENT_LENGTH).optional(),
    payload: z.unknown().optional(),
  })
  .strict();
export type ApprovalAnswer = z.infer<typeof approvalAnswerSchema>;

export const approvalWait = defineWait({
  requestSchema: approvalRequestSchema,
  answerSchema: approvalAnswerSchema,
  forPerson: true,
  title: (request) => request.title,
  answerText: (answer, by) =>
    `${answer.decision === 'approve' ? 'approved' : 'rejected'} by ${by}${answer.payload !== undefined ? ' (payload edited)' : ''}${answer.comment ? `: ${answer.comment}` : ''}`,
  deadline: (request) => (request.deadline !== undefined ? { at: request.deadline, answer: { decision: request.onTimeout ?? 'reject', comment: `no decision by ${request.deadline}` } } : undefined),
});

export const approvalKind = defineKind({
  kind: 'approval',
  title: 'Human approval',
  group: 'People',
  description: 'Pauses the run until a person approves (optionally editing the payload) or rejects with a reason.',
  colour: '#d0573c',
  configSchema: approvalConfigSchema,
  defaultConfig: (): ApprovalConfig => ({ title: 'Approve this?' }),
  ports: () => ({
    inputs: [{ name: 'payload', type: 'any', required: true, description: 'What the person reviews' }],
    outputs: [
      { name: 'approved', type: 'any', required: false, description: 'The payload, possibly edited' },
      { name: 'rejected', type: 'string', required: false, description: 'The reason given' },
    ],
  }),
  summary: (config) => [config.title, ...(config.timeoutMs !== undefined ? [`${config.onTimeout ?? 'reject'} after ${Math.round(config.timeoutMs / 1000)} s`] : [])],
  wait: approvalWait,
});
