/**
 * "Adding a node kind" (README), proved: a throwaway kind defined and registered in this file
 * alone, with its own wait (for a payment provider's callback, not for a person) and its own cost,
 * goes through the validator, the estimate, the engine and the real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Flow } from '../shared/flow.ts';
import { defineKind, defineWait } from '../shared/kinds/define-kind.ts';
import { registry } from '../shared/kinds/registry.ts';
import { checkRunInputs } from '../shared/run-inputs.ts';
import { foldEvents } from '../shared/run-state.ts';
import { validateFlowDocument } from '../shared/validate.ts';
import type { Executor, ExecutorLookup } from './engine/executor.ts';
import { startRun } from './engine/index.ts';
import { harness } from './engine/testing/engine-harness.ts';
import { estimateFlow } from './estimate.ts';
import { executors } from './executors/index.ts';
import { providerConfigFrom } from './providers/config.ts';
import { createModelService } from './providers/openai-model-service.ts';
import { runStatus, startTestServer, type TestServer } from './testing/test-server.ts';

// ---- the kind: shared/kinds/payment.ts would hold this ----
const paymentConfigSchema = z.object({ provider: z.string().min(1), feeUsd: z.number().min(0).max(10) }).strict();
type PaymentConfig = z.infer<typeof paymentConfigSchema>;
const paymentRequestSchema = z.object({ provider: z.string(), amount: z.number() }).strict();
const paymentAnswerSchema = z.object({ status: z.enum(['paid', 'declined']), reference: z.string().max(40) }).strict();

const paymentKind = defineKind({
  kind: 'payment',
  title: 'Take a payment',
  group: 'Logic',
  description: 'Asks a payment provider to charge an amount, and waits for its callback.',
  colour: '#0a7d7d',
  configSchema: paymentConfigSchema,
  defaultConfig: (): PaymentConfig => ({ provider: 'acme-pay', feeUsd: 0.3 }),
  ports: () => ({
    inputs: [{ name: 'amount', type: 'number', required: true }],
    outputs: [
      { name: 'paid', type: 'string', required: false },
      { name: 'declined', type: 'string', required: false },
    ],
  }),
  summary: (config) => [`via ${config.provider}`],
  wait: defineWait({
    requestSchema: paymentRequestSchema,
    answerSchema: paymentAnswerSchema,
    forPerson: false,
    title: (request) => `${request.provider} to confirm ${request.amount}`,
    answerText: (answer, by) => `${answer.status} (${answer.reference}) by ${by}`,
  }),
});

// ---- its executor: server/executors/payment.ts would hold this ----
const paymentExecutor: Executor<PaymentConfig, z.infer<typeof paymentRequestSchema>, z.infer<typeof paymentAnswerSchema>> = {
  async run(context) {
    return { type: 'wait', request: { provider: context.config.provider, amount: context.inputs.amount as number } };
  },
  decide(_context, _request, answer) {
    return { type: 'outputs', outputs: answer.status === 'paid' ? { paid: answer.reference } : { declined: answer.reference } };
  },
  estimate: ({ nodeId, config }) => ({ nodeId, model: 'payment fee', simulated: false, promptTokens: 0, maxTokens: 0, worstCaseUsd: config.feeUsd }),
};

const allExecutors: ExecutorLookup = { ...executors, payment: paymentExecutor as Executor };

const checkoutFlow = (feeUsd = 0.3): Flow => ({
  schemaVersion: 1,
  id: 'checkout',
  name: 'Checkout',
  nodes: [
    { id: 'order', kind: 'input', position: { x: 0, y: 0 }, config: { fields: [{ name: 'amount', type: 'number' }] } },
    { id: 'charge', kind: 'payment', position: { x: 200, y: 0 }, config: { provider: 'acme-pay', feeUsd } },
    { id: 'done', kind: 'output', position: { x: 400, y: 0 }, config: { fields: [{ name: 'reference', type: 'string' }, { name: 'declined', type: 'string' }] } },
  ],
  edges: [
    { from: 'order.amount', to: 'charge.amount' },
    { from: 'charge.paid', to: 'done.reference' },
    { from: 'charge.declined', to: 'done.declined' },
  ],
});

let unregister: () => void;
beforeAll(() => {
  unregister = registry.register(paymentKind as never);
});
afterAll(() => unregister());

describe('a kind added in one file', () => {
  it('is checked by the validator: its config schema, its ports, the run inputs', () => {
    const result = validateFlowDocument(checkoutFlow());
    expect(result.ok).toBe(true);
    const bad = validateFlowDocument(checkoutFlow(99));
    expect(bad.ok).toBe(false);
    expect(bad.problems.map((problem) => problem.path)).toContain('nodes[1].config.feeUsd');
    expect(checkRunInputs(checkoutFlow(), { amount: 'ten' })[0]!.message).toMatch(/amount/);
  });

  it('is priced by the estimate through its executor', () => {
    const models = createModelService({ config: providerConfigFrom(undefined, { OPENAI_API_KEY: 'sk-estimate' }), env: {} });
    const estimate = estimateFlow({ ...checkoutFlow(0.45), settings: { budgetUsd: 0.4 } }, models, {}, allExecutors);
    expect(estimate.steps).toEqual([{ nodeId: 'charge', model: 'payment fee', simulated: false, promptTokens: 0, maxTokens: 0, worstCaseUsd: 0.45 }]);
    expect(estimate).toMatchObject({ totalUsd: 0.45, fitsBudget: false });
  });

  it('waits and resumes in the engine; its answer is checked against its own schema', async () => {
    const h = harness();
    const run = startRun('k1', checkoutFlow(), { amount: 12 }, { ...h.options, executors: allExecutors });
    expect(await run.settled()).toBe('waiting');
    expect(run.waitingSteps()).toEqual([{ nodeId: 'charge', request: { provider: 'acme-pay', amount: 12 } }]);
    expect(() => run.decide('charge', { by: 'acme-pay', status: 'maybe', reference: 'r' })).toThrow(/status/);
    run.decide('charge', { by: 'acme-pay', status: 'paid', reference: 'ch_123' });
    expect(await run.finished()).toBe('succeeded');
    expect(h.of('run.succeeded')[0]!.outputs).toEqual({ reference: 'ch_123' });
    expect(h.of('step.decided')[0]).toMatchObject({ nodeId: 'charge', by: 'acme-pay', answer: { status: 'paid', reference: 'ch_123' } });
    expect(foldEvents(h.events).steps.charge!.decision).toMatchObject({ by: 'acme-pay', answer: { status: 'paid' } });
  });

  describe('on the real server', () => {
    let test: TestServer;
    beforeAll(async () => {
      test = await startTestServer({ executors: allExecutors });
    });
    afterAll(() => test.close());

    it('runs, estimates, keeps it out of the approvals inbox, and takes its answer over REST', async () => {
      const estimate = await test.api.post('/api/estimate', { flow: checkoutFlow(), inputs: { amount: 5 } });
      expect(estimate.status).toBe(200);
      expect(estimate.body.steps).toEqual([expect.objectContaining({ nodeId: 'charge', worstCaseUsd: 0.3 })]);

      const started = await test.api.post('/api/runs', { flow: checkoutFlow(), inputs: { amount: 5 } });
      expect(started.status).toBe(201);
      const runId = started.body.runId as string;
      const waiting = await runStatus(test, runId, 'waiting', 'succeeded', 'failed', 'cancelled');
      expect(waiting.status).toBe('waiting');
      expect(waiting.steps.charge.request).toEqual({ provider: 'acme-pay', amount: 5 });
      // A wait for a payment provider is not a person's: the inbox does not list it.
      expect((await test.api.get('/api/approvals')).body.approvals.some((item: { runId: string }) => item.runId === runId)).toBe(false);

      const wrong = await test.api.post(`/api/runs/${runId}/steps/charge/decision`, { status: 'paid', reference: 'x'.repeat(41) });
      expect(wrong.status).toBe(400);
      expect(wrong.body.error.issues).toEqual([expect.objectContaining({ path: 'body.reference' })]);

      const answered = await test.api.post(`/api/runs/${runId}/steps/charge/decision`, { status: 'declined', reference: 'card expired', by: 'acme-pay' });
      expect(answered.status).toBe(200);
      const done = await runStatus(test, runId, 'succeeded', 'failed', 'cancelled');
      expect(done.status).toBe('succeeded');
      expect(done.outputs).toEqual({ declined: 'card expired' });
    });
  });
});
