import { z } from 'zod';
import { defineKind } from './define-kind.ts';

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
});
