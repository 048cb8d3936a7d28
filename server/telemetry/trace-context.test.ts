/**
 * An incoming W3C `traceparent` joins the run's trace to the caller's, through the real server to
 * a local OTLP receiver: on invoke, on POST /api/runs and on POST /api/flows/:id/runs the run span
 * is a child of the caller's span (same trace id) and its steps are in that trace; the trace
 * context is recorded in `run.started`. A malformed header is ignored: the run has a trace of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoFlow } from '../testing/fixture-flows.ts';
import { startTestServer } from '../testing/test-server.ts';
import { startOtlpReceiver, type OtlpReceiver, type OtlpSpan, attribute } from './testing/otlp-receiver.ts';

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.close());

const callerTrace = (n: number): { traceId: string; spanId: string; header: string } => {
  const traceId = `${n}`.padStart(2, '0').repeat(16);
  const spanId = `${n + 50}`.padStart(2, '0').repeat(8);
  return { traceId, spanId, header: `00-${traceId}-${spanId}-01` };
};

const runSpanOf = (runId: string): OtlpSpan | undefined => receiver.spans.find((span) => span.name.startsWith('run ') && attribute(span, 'weft.run.id') === runId);

describe('incoming traceparent', () => {
  it('makes the run span a child of the caller span on invoke, POST /api/runs and POST /api/flows/:id/runs', async () => {
    const test = await startTestServer({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' } });
    expect((await test.api.put('/api/flows/echo', echoFlow())).status).toBe(201);
    const [invoked, posted, saved, malformed, none] = [callerTrace(11), callerTrace(22), callerTrace(33), callerTrace(44), callerTrace(0)];

    const invoke = await test.api.post('/api/flows/echo/invoke', { inputs: { text: 'a' } }, { traceparent: invoked.header });
    expect(invoke.status).toBe(200);
    const run = await test.api.post('/api/runs', { flow: echoFlow(), inputs: { text: 'b' } }, { traceparent: posted.header });
    expect(run.status).toBe(201);
    const savedRun = await test.api.post('/api/flows/echo/runs', { inputs: { text: 'c' }, origin: { type: 'designer' } }, { traceparent: saved.header });
    expect(savedRun.status).toBe(201);
    // An all-zero parent span id is not a valid traceparent (W3C): ignored, as is no header at all.
    const bad = await test.api.post('/api/flows/echo/invoke', { inputs: { text: 'd' } }, { traceparent: `00-${malformed.traceId}-${'0'.repeat(16)}-01` });
    expect(bad.status).toBe(200);
    const plain = await test.api.post('/api/flows/echo/invoke', { inputs: { text: 'e' } });
    expect(plain.status).toBe(200);

    const started = (await test.api.get(`/api/runs/${invoke.body.runId}/events`)).body.events[0];
    expect(started.origin).toEqual({ type: 'invoke', traceparent: invoked.header });
    const savedStarted = (await test.api.get(`/api/runs/${savedRun.body.runId}/events`)).body.events[0];
    expect(savedStarted.origin).toEqual({ type: 'designer', traceparent: saved.header });
    await test.close(); // flushes the exporter

    for (const [runId, caller] of [[invoke.body.runId, invoked], [run.body.runId, posted], [savedRun.body.runId, saved]] as const) {
      const span = runSpanOf(runId);
      expect(span, runId).toBeDefined();
      expect(span!.traceId).toBe(caller.traceId);
      expect(span!.parentSpanId).toBe(caller.spanId);
      const steps = receiver.spans.filter((step) => step.parentSpanId === span!.spanId);
      expect(steps.map((step) => step.name).sort()).toEqual(['step result', 'step ticket']);
      expect(steps.every((step) => step.traceId === caller.traceId)).toBe(true);
    }
    for (const runId of [bad.body.runId, plain.body.runId]) {
      const span = runSpanOf(runId)!;
      expect(span).toBeDefined();
      expect(span.parentSpanId).toBeUndefined();
      expect([malformed.traceId, none.traceId]).not.toContain(span.traceId);
    }
    expect(runSpanOf(bad.body.runId)!.traceId).not.toBe(runSpanOf(plain.body.runId)!.traceId);
  });
});
