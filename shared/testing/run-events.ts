/**
 * A hand-written event log for reducer and schema tests: one run of a small triage flow in which
 * the model is unsure, a person approves, a second (unpriced) model runs, and one step is skipped.
 */
import type { RunEvent, RunEventBody } from '../events.ts';
import type { Flow } from '../flow.ts';
import { flow } from './flow-builder.ts';

export const RUN_ID = 'run-1';

export function triageRunFlow(): Flow {
  return flow('triage')
    .input('ticket', { text: 'string' })
    .model('classify', { allowUnsure: true })
    .approval('review')
    .model('local', { model: 'llama3.1:8b', inputs: { text: 'string' } })
    .output('result', { classification: 'string', reviewed: 'any', note: 'string' })
    .wire('ticket.text', 'classify.text')
    .wire('ticket.text', 'local.text')
    .wire('classify.result', 'result.classification')
    .wire('classify.unsure', 'review.payload')
    .wire('review.approved', 'result.reviewed')
    .wire('local.result', 'result.note')
    .build();
}

/** Numbers the bodies 1, 2, 3 ... with one second between events. */
export function numbered(bodies: RunEventBody[], runId = RUN_ID): RunEvent[] {
  return bodies.map((body, index) => ({ ...body, runId, seq: index + 1, at: new Date(Date.UTC(2025, 0, 1, 12, 0, index)).toISOString() }) as RunEvent);
}

/**
 * seq 1 run.started; 2-3 ticket; 4-5 classify attempt 1 fails (timeout); 6-12 classify attempt 2
 * (prompt, deltas, an estimate then a final cost) says unsure; 13 local starts; 14-15 review starts
 * and waits; 16-18 local logs, costs (unpriced) and succeeds; 19-20 review approved and succeeds;
 * 21-22 result; 23 run.succeeded.
 */
export function triageRunBodies(): RunEventBody[] {
  const request = { title: 'Approve this?', payload: 'two categories fit', allowEdit: false };
  return [
    { type: 'run.started', flowId: 'triage', flowHash: 'abc123', flow: triageRunFlow(), inputs: { text: 'My invoice is wrong' } },
    { type: 'step.started', nodeId: 'ticket', attempt: 1, inputs: {} },
    { type: 'step.succeeded', nodeId: 'ticket', outputs: { text: 'My invoice is wrong' }, durationMs: 1 },
    { type: 'step.started', nodeId: 'classify', attempt: 1, inputs: { text: 'My invoice is wrong' } },
    { type: 'step.failed', nodeId: 'classify', error: { message: 'timed out', code: 'timeout', retryable: true }, durationMs: 30_000 },
    { type: 'step.started', nodeId: 'classify', attempt: 2, inputs: { text: 'My invoice is wrong' } },
    { type: 'step.prompt', nodeId: 'classify', model: 'gpt-4o-mini', simulated: true, messages: [{ role: 'user', content: 'My invoice is wrong' }] },
    { type: 'step.delta', nodeId: 'classify', text: 'not ' },
    { type: 'step.delta', nodeId: 'classify', text: 'sure' },
    { type: 'step.cost', nodeId: 'classify', model: 'gpt-4o-mini', inputTokens: 100, outputTokens: 10, usd: 0.0001, final: false, simulated: true },
    { type: 'step.cost', nodeId: 'classify', model: 'gpt-4o-mini', inputTokens: 100, outputTokens: 20, usd: 0.00025, final: true, simulated: true },
    { type: 'step.succeeded', nodeId: 'classify', outputs: { unsure: 'two categories fit' }, durationMs: 40 },
    { type: 'step.started', nodeId: 'local', attempt: 1, inputs: { text: 'My invoice is wrong' } },
    { type: 'step.started', nodeId: 'review', attempt: 1, inputs: { payload: 'two categories fit' } },
    { type: 'step.waiting', nodeId: 'review', request },
    { type: 'step.log', nodeId: 'local', level: 'info', text: 'calling a local model' },
    { type: 'step.cost', nodeId: 'local', model: 'llama3.1:8b', inputTokens: 50, outputTokens: 5, usd: null, final: true, simulated: false },
    { type: 'step.succeeded', nodeId: 'local', outputs: { result: 'Billing' }, durationMs: 900 },
    { type: 'step.decided', nodeId: 'review', by: 'ana', answer: { decision: 'approve', comment: 'billing' } },
    { type: 'step.succeeded', nodeId: 'review', outputs: { approved: 'billing' }, durationMs: 60_000 },
    { type: 'step.started', nodeId: 'result', attempt: 1, inputs: { reviewed: 'billing', note: 'Billing' } },
    { type: 'step.succeeded', nodeId: 'result', outputs: {}, result: { reviewed: 'billing', note: 'Billing' }, durationMs: 0 },
    { type: 'run.succeeded', outputs: { reviewed: 'billing', note: 'Billing' }, costUsd: 0.00025 },
  ];
}

export function triageRunEvents(): RunEvent[] {
  return numbered(triageRunBodies());
}
