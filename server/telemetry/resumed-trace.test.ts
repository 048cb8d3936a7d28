/**
 * A run resumed after a crash is traced on, in the same trace: the server (a separate process,
 * exporting to a local OTLP receiver) is SIGKILLed while the run waits for a person; the restarted
 * server exports the run span (with the id the steps exported before the kill point to, in the
 * caller's trace), the rest of the steps, and a wait span from the wait's start to the decision.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../shared/events.ts';
import { reviewFlow } from '../testing/fixture-flows.ts';
import { apiClient } from '../testing/http-client.ts';
import { spawnServer, type ServerProcess } from '../testing/server-process.ts';
import { makeTempDirs } from '../testing/temp-dirs.ts';
import { eventually } from '../testing/test-server.ts';
import { attribute, startOtlpReceiver } from './testing/otlp-receiver.ts';

const dirs = makeTempDirs('weft-resumed-trace-');
const children: ServerProcess[] = [];
const receiver = await startOtlpReceiver();

afterAll(async () => {
  for (const server of children) {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
  }
  await receiver.close();
  dirs.remove();
});

async function spawn(): Promise<ServerProcess> {
  // A short batch delay, so the steps that end before the kill are exported by the first process.
  const server = await spawnServer({ WEFT_FLOWS_DIR: dirs.flowsDir, WEFT_DATA_DIR: dirs.dataDir, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '50' });
  children.push(server);
  return server;
}

const nanos = (iso: string): bigint => BigInt(Date.parse(iso)) * 1_000_000n;

describe('a run resumed after a crash', () => {
  it('is exported in the same trace: the run span, the remaining steps, and a wait span lasting the wait', async () => {
    const traceId = 'ab'.repeat(16);
    const callerSpanId = 'cd'.repeat(8);
    const first = await spawn();
    const api1 = apiClient(first.port);
    expect((await api1.put('/api/flows/review', reviewFlow())).status).toBe(201);
    const invoked = await api1.post('/api/flows/review/invoke?wait=0', { inputs: { text: 'check' } }, { traceparent: `00-${traceId}-${callerSpanId}-01` });
    expect(invoked.status).toBe(202);
    const { runId } = invoked.body;
    await eventually(async () => ((await api1.get(`/api/runs/${runId}`)).body.status === 'waiting' ? true : undefined), 20_000, 'the run to wait');
    const ticket = await eventually(() => receiver.spans.find((span) => span.name === 'step ticket' && attribute(span, 'weft.run.id') === runId), 20_000, 'the first step exported before the kill');
    first.child.kill('SIGKILL');
    await first.exited;
    // The run span never ended in the killed process, so it was never exported.
    expect(receiver.spans.some((span) => span.name === 'run review')).toBe(false);

    const second = await spawn();
    const api2 = apiClient(second.port);
    await eventually(async () => ((await api2.get(`/api/runs/${runId}`)).body?.status === 'waiting' ? true : undefined), 20_000, 'the resumed run to wait');
    expect((await api2.post(`/api/runs/${runId}/steps/review/decision`, { decision: 'approve' })).status).toBe(200);
    await eventually(async () => ((await api2.get(`/api/runs/${runId}`)).body.status === 'succeeded' ? true : undefined), 20_000, 'the run to succeed');
    const log: RunEvent[] = (await api2.get(`/api/runs/${runId}/events`)).body.events;
    second.child.kill('SIGTERM'); // a graceful stop flushes the exporter
    expect((await second.exited).code).toBe(0);

    const ofRun = receiver.spans.filter((span) => attribute(span, 'weft.run.id') === runId);
    const run = ofRun.find((span) => span.name === 'run review')!;
    expect(run).toBeDefined();
    expect(run.traceId).toBe(traceId);
    expect(run.parentSpanId).toBe(callerSpanId);
    expect(attribute(run, 'weft.run.resumed')).toBe(true);
    expect(attribute(run, 'weft.run.status')).toBe('succeeded');
    expect(run.startTimeUnixNano).toBe(String(nanos(log[0]!.at)));
    // The step exported by the killed process points at the run span the new one exported.
    expect(ticket.parentSpanId).toBe(run.spanId);
    expect(ofRun.every((span) => span.traceId === traceId)).toBe(true);
    expect(ofRun.filter((span) => span.name.startsWith('step ')).map((span) => span.name).sort()).toEqual(['step result', 'step review', 'step ticket']);

    const review = ofRun.find((span) => span.name === 'step review')!;
    expect(review.parentSpanId).toBe(run.spanId);
    expect(attribute(review, 'weft.step.status')).toBe('succeeded');
    const wait = receiver.spans.find((span) => span.name === 'wait review' && span.traceId === traceId)!;
    expect(wait.parentSpanId).toBe(review.spanId);
    const waiting = log.find((event) => event.type === 'step.waiting')!;
    const decided = log.find((event) => event.type === 'step.decided')!;
    expect(wait.startTimeUnixNano).toBe(String(nanos(waiting.at)));
    expect(wait.endTimeUnixNano).toBe(String(nanos(decided.at)));
    expect(attribute(wait, 'weft.decided_by')).toBe(decided.type === 'step.decided' ? decided.by : undefined);
  }, 120_000);
});
