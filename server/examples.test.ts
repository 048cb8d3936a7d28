/**
 * The example flows in flows/, run end to end through the real engine, executors, sandbox and the
 * built-in simulated model endpoint (over the real openai SDK), with their event logs checked.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../shared/events.ts';
import type { Flow } from '../shared/flow.ts';
import type { ApprovalRequest } from '../shared/kinds/approval.ts';
import { foldEvents } from '../shared/run-state.ts';
import { validateFlowText } from '../shared/validate.ts';
import { startRun } from './engine/index.ts';
import { executors } from './executors/index.ts';
import { createRuntimeServices, type RuntimeServices } from './runtime-services.ts';

let runtime: RuntimeServices;
beforeAll(async () => {
  runtime = await createRuntimeServices({ env: {}, simulatedChunkDelayMs: 0, sandboxPoolSize: 1 });
});
afterAll(async () => {
  await runtime.close();
});

function example(id: string): Flow {
  const result = validateFlowText(readFileSync(new URL(`../flows/${id}.flow.json`, import.meta.url), 'utf8'));
  if (!result.ok) throw new Error(result.problems.map((problem) => problem.message).join('\n'));
  return result.flow;
}

async function run(id: string, inputs: Record<string, unknown>, decide?: (nodeId: string) => { decision: 'approve' | 'reject'; comment?: string; payload?: unknown }) {
  const events: RunEvent[] = [];
  const handle = startRun(`run-${id}`, example(id), inputs, { executors, services: runtime.services, onEvent: (event) => events.push(event) });
  for (;;) {
    const status = await handle.settled();
    if (status !== 'waiting') break;
    if (!decide) break;
    for (const step of handle.waitingSteps()) handle.decide(step.nodeId, { by: 'test', ...decide(step.nodeId) });
  }
  events.forEach((event, index) => expect(event.seq).toBe(index + 1));
  const state = foldEvents(events);
  const statuses = Object.fromEntries(Object.values(state.steps).map((step) => [step.nodeId, step.status]));
  return { events, state, statuses, handle };
}

describe('example: invoice-approval', () => {
  it('passes a small invoice from a known vendor automatically, skipping the manager', async () => {
    const { state, statuses, events } = await run('invoice-approval', { invoice: { vendor: 'Acme Office Supplies', amount: 120, currency: 'EUR' } });
    expect(state.status).toBe('succeeded');
    expect(state.outputs).toEqual({ auto_approved: { vendor: 'Acme Office Supplies', amount: 120, currency: 'EUR' } });
    expect(statuses).toEqual({ decision: 'succeeded', invoice: 'succeeded', manager: 'skipped', policy: 'succeeded' });
    expect(events.find((event) => event.type === 'step.skipped')).toMatchObject({ nodeId: 'manager', reason: 'policy.needsApproval did not fire' });
    expect(state.costUsd).toBe(0);
  });

  it('sends a large invoice to the manager, whose corrected payload becomes the result', async () => {
    const invoice = { vendor: 'Acme Office Supplies', amount: 5000, currency: 'EUR' };
    const waiting = await run('invoice-approval', { invoice });
    expect(waiting.state.status).toBe('waiting');
    expect(waiting.statuses.manager).toBe('waiting');
    expect((waiting.state.steps.manager!.request as ApprovalRequest).payload).toEqual({ ...invoice, reason: 'amount 5000 EUR is over 1000' });
    expect(waiting.state.steps.policy!.logs.map((line) => line.text)).toEqual(['needs a person: amount 5000 EUR is over 1000']);
    waiting.handle.cancel();

    const corrected = { ...invoice, amount: 4800, reason: 'discount applied' };
    const { state, statuses } = await run('invoice-approval', { invoice }, () => ({ decision: 'approve', payload: corrected, comment: 'ok with discount' }));
    expect(state.status).toBe('succeeded');
    expect(state.outputs).toEqual({ approved: corrected });
    expect(statuses).toMatchObject({ manager: 'succeeded', decision: 'succeeded' });
    expect(state.steps.manager!.decision).toMatchObject({ by: 'test', answer: { decision: 'approve', payload: corrected, comment: 'ok with discount' } });
  });

  it('routes an unknown vendor to the manager, and a rejection to the rejected field', async () => {
    const { state } = await run('invoice-approval', { invoice: { vendor: 'Initech', amount: 10, currency: 'USD' } }, () => ({ decision: 'reject', comment: 'unknown vendor' }));
    expect(state.outputs).toEqual({ rejected: 'unknown vendor' });
  });
});

describe('example: ticket-triage (simulated model)', () => {
  it('classifies a clear ticket into schema-valid JSON with a simulated cost, skipping the review', async () => {
    const { state, statuses, events } = await run('ticket-triage', { text: 'I was charged twice for my subscription this month.' });
    expect(state.status).toBe('succeeded');
    const classification = state.outputs!.classification as Record<string, unknown>;
    expect(['billing', 'bug', 'account', 'feature-request', 'other']).toContain(classification.category);
    expect(['low', 'normal', 'high']).toContain(classification.urgency);
    expect(typeof classification.summary).toBe('string');
    expect(statuses).toEqual({ classify: 'succeeded', result: 'succeeded', review: 'skipped', ticket: 'succeeded' });
    const costs = events.filter((event) => event.type === 'step.cost');
    expect(costs.at(-1)).toMatchObject({ nodeId: 'classify', final: true, simulated: true, model: 'gpt-4o-mini' });
    expect(state.costUsd).toBeGreaterThan(0);
    expect(state.simulated).toBe(true);
    expect(events.some((event) => event.type === 'step.delta')).toBe(true);
  });

  it('sends an unsure classification to a person instead of guessing', async () => {
    const { state, statuses } = await run('ticket-triage', { text: "I'm not sure what is wrong, something about my account or a bug?" }, () => ({
      decision: 'approve',
      payload: { category: 'account' },
    }));
    expect(statuses.classify).toBe('succeeded');
    expect(state.steps.classify!.outputs).toHaveProperty('unsure');
    expect(state.steps.classify!.outputs).not.toHaveProperty('result');
    expect(state.outputs).toEqual({ reviewed: { category: 'account' } });
  });
});

describe('example: model-cascade (simulated model)', () => {
  it('answers with the cheap model and never calls the strong one when it is sure', async () => {
    const { state, statuses } = await run('model-cascade', { question: 'What is the capital of France?' });
    expect(state.status).toBe('succeeded');
    expect(typeof state.outputs!.answer).toBe('string');
    expect(state.outputs).not.toHaveProperty('escalated_answer');
    expect(statuses.strong).toBe('skipped');
  });

  it('escalates to the strong model when the cheap one is unsure', async () => {
    const { state, statuses } = await run('model-cascade', { question: 'I am not sure: which year will fusion power be commercial?' });
    expect(state.status).toBe('succeeded');
    expect(statuses).toMatchObject({ cheap: 'succeeded', strong: 'succeeded' });
    expect(typeof state.outputs!.escalated_answer).toBe('string');
    expect(state.outputs).not.toHaveProperty('answer');
    expect(state.steps.strong!.costUsd).toBeGreaterThan(state.steps.cheap!.costUsd!);
  });
});
