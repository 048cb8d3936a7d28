/** /api/runs, /api/approvals, /api/estimate and /api/health over real HTTP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../shared/events.ts';
import { basicFlow, loose } from '../../shared/testing/flow-builder.ts';
import { codeReviewFlow, echoFlow, reviewFlow } from '../testing/fixture-flows.ts';
import { eventually, runStatus, startTestServer, type TestServer } from '../testing/test-server.ts';

let test: TestServer;
beforeAll(async () => {
  test = await startTestServer();
});
afterAll(() => test.close());

async function startWaiting(flow = reviewFlow(), inputs: Record<string, unknown> = { text: 'please check' }): Promise<string> {
  const started = await test.api.post('/api/runs', { flow, inputs });
  expect(started.status).toBe(201);
  const runId: string = started.body.runId;
  await eventually(async () => ((await test.api.get(`/api/runs/${runId}`)).body.status === 'waiting' ? true : undefined), 10_000, 'the run to wait');
  return runId;
}

async function events(runId: string, after = 0): Promise<RunEvent[]> {
  const response = await test.api.get(`/api/runs/${runId}/events?after=${after}`);
  expect(response.status).toBe(200);
  return response.body.events;
}

describe('POST /api/runs (an unsaved flow)', () => {
  it('runs it to the end: state from the reducer, events in order, index entry', async () => {
    const started = await test.api.post('/api/runs', { flow: echoFlow('unsaved-echo'), inputs: { text: 'hi' } });
    expect(started.status).toBe(201);
    const { runId } = started.body;
    const state = await runStatus(test, runId, 'succeeded', 'failed', 'cancelled');
    expect(state).toMatchObject({ runId, flowId: 'unsaved-echo', status: 'succeeded', outputs: { text: 'hi' }, inputs: { text: 'hi' } });
    expect(state.flow.id).toBe('unsaved-echo');
    const log = await events(runId);
    expect(log.map((event) => event.seq)).toEqual(log.map((_, index) => index + 1));
    expect(log[0]).toMatchObject({ type: 'run.started', flowId: 'unsaved-echo', flowHash: state.flowHash });
    expect(log.at(-1)!.type).toBe('run.succeeded');
    expect((await events(runId, log.length - 1)).map((event) => event.seq)).toEqual([log.length]);
    const list = await test.api.get('/api/runs?flowId=unsaved-echo');
    expect(list.body.runs).toEqual([expect.objectContaining({ runId, flowId: 'unsaved-echo', flowName: 'Echo', status: 'succeeded', costUsd: 0, endedAt: expect.any(String) })]);
    // What the history list shows of a run without reading its log: how long it took, and its inputs.
    expect(list.body.runs[0]).toMatchObject({ durationMs: Date.parse(state.endedAt) - Date.parse(state.startedAt), inputsPreview: '{"text":"hi"}' });
    // Every flow's runs in one list when no flowId is given.
    expect((await test.api.get('/api/runs')).body.runs.some((run: { runId: string }) => run.runId === runId)).toBe(true);
  });

  it('runs a flow with a code step in the sandbox', async () => {
    const runId = await startWaiting(codeReviewFlow(), { text: 'quiet' });
    const state = (await test.api.get(`/api/runs/${runId}`)).body;
    expect(state.steps.shout).toMatchObject({ status: 'succeeded', outputs: { loud: 'QUIET' } });
    expect(state.steps.review.request.payload).toBe('QUIET');
  });

  it('refuses an invalid flow with issues under "flow"', async () => {
    const flow = loose(echoFlow());
    flow.nodes.push({ id: 'ghost', kind: 'teleporter', position: { x: 0, y: 0 }, config: {} });
    const response = await test.api.post('/api/runs', { flow, inputs: { text: 'x' } });
    expect(response.status).toBe(400);
    expect(response.body.error.issues).toEqual([expect.objectContaining({ path: 'flow.nodes[2].kind', rule: 'unknown-kind', nodeId: 'ghost' })]);
  });

  it('refuses a body without a flow, with extra keys, or with wrong inputs', async () => {
    expect((await test.api.post('/api/runs', { inputs: {} })).body.error.issues).toEqual([{ path: 'body.flow', message: 'is required' }]);
    expect((await test.api.post('/api/runs', { flow: echoFlow(), inputs: { text: 'x' }, now: true })).body.error.issues).toEqual([{ path: 'body', message: 'unknown key "now"' }]);
    const wrong = await test.api.post('/api/runs', { flow: echoFlow(), inputs: { text: 1 } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.issues[0].path).toBe('inputs.text');
    expect((await test.api.post('/api/runs')).status).toBe(400);
  });
});

describe('GET /api/runs, /api/runs/:runId, /events', () => {
  it('validates the query and the run id', async () => {
    expect((await test.api.get('/api/runs?flowId=../x')).status).toBe(400);
    expect((await test.api.get('/api/runs?color=red')).body.error.issues).toEqual([{ path: 'query', message: 'unknown key "color"' }]);
    expect((await test.api.get('/api/runs?status=lost')).status).toBe(400);
    expect((await test.api.get('/api/runs?since=yesterday')).body.error.issues[0]).toMatchObject({ path: 'query.since', message: expect.stringContaining('ISO 8601') });
    expect((await test.api.get('/api/runs?before=run-abc')).body.error.issues[0]).toMatchObject({ path: 'query.before', message: expect.stringContaining('next') });
    expect((await test.api.get(`/api/runs?before=${'x'.repeat(121)}`)).body.error.issues[0]).toMatchObject({ path: 'query.before', message: expect.stringContaining('120') });
    expect((await test.api.get('/api/runs?limit=1001')).status).toBe(400);
    expect((await test.api.get('/api/runs?limit=0')).status).toBe(400);
    expect((await test.api.get('/api/runs?limit=1')).body.runs.length).toBeLessThanOrEqual(1);
    expect((await test.api.get('/api/runs/run-nope')).status).toBe(404);
    expect((await test.api.get('/api/runs/run-nope/events')).status).toBe(404);
    expect((await test.api.get('/api/runs/..%2f..%2fdata')).status).toBe(400);
    expect((await test.api.get('/api/runs/RUN')).status).toBe(400);
  });

  it('pages the history newest first: `next` goes back as `before`, filters apply before the page is cut', async () => {
    const flow = echoFlow('paged-echo');
    const runIds: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      const started = await test.api.post('/api/runs', { flow, inputs: { text: `page ${index}` } });
      runIds.push(started.body.runId);
      await runStatus(test, started.body.runId, 'succeeded', 'failed', 'cancelled');
    }
    const newestFirst = [...runIds].reverse();
    const seen: string[] = [];
    let before: string | undefined;
    for (let page = 0; page < 3; page += 1) {
      const answer = await test.api.get(`/api/runs?flowId=paged-echo&limit=2${before ? `&before=${encodeURIComponent(before)}` : ''}`);
      expect(answer.status).toBe(200);
      seen.push(...answer.body.runs.map((run: { runId: string }) => run.runId));
      before = answer.body.next;
      if (page < 2) expect(before).toMatch(/_run-/);
    }
    expect(before).toBeUndefined();
    expect(seen).toEqual(newestFirst);
    expect((await test.api.get('/api/runs?flowId=paged-echo&status=succeeded&limit=1000')).body.runs).toHaveLength(5);
    expect((await test.api.get('/api/runs?flowId=paged-echo&status=failed')).body.runs).toEqual([]);
    const third = (await test.api.get(`/api/runs/${newestFirst[2]}`)).body.startedAt as string;
    const since = await test.api.get(`/api/runs?flowId=paged-echo&since=${encodeURIComponent(third)}`);
    expect(since.body.runs.map((run: { runId: string }) => run.runId)).toEqual(newestFirst.slice(0, 3));
    // The same moment written with an offset and without milliseconds selects the same runs.
    const offset = new Date(Date.parse(third) - (Date.parse(third) % 1000)).toISOString().replace('.000Z', '+00:00');
    expect((await test.api.get(`/api/runs?flowId=paged-echo&since=${encodeURIComponent(offset)}`)).body.runs.length).toBeGreaterThanOrEqual(3);
  });

  it('validates `after`', async () => {
    const runId = await startWaiting();
    expect((await test.api.get(`/api/runs/${runId}/events?after=abc`)).status).toBe(400);
    expect((await test.api.get(`/api/runs/${runId}/events?after=-1`)).status).toBe(400);
    expect((await test.api.get(`/api/runs/${runId}/events?after=1&after=2`)).status).toBe(400);
    expect((await test.api.get(`/api/runs/${runId}/events?after=999`)).body).toEqual({ events: [] });
  });
});

describe('decisions', () => {
  it('approves with an edited payload; the answer comes once step.decided is stored', async () => {
    const runId = await startWaiting();
    expect((await test.api.get('/api/approvals')).body.approvals).toEqual(
      expect.arrayContaining([expect.objectContaining({ runId, nodeId: 'review', flowId: 'review', request: expect.objectContaining({ title: 'Is this fine?', payload: 'please check', allowEdit: true }) })]),
    );
    const response = await test.api.post(`/api/runs/${runId}/steps/review/decision`, { decision: 'approve', payload: 'checked', comment: 'fine', by: 'Ana María' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ runId, nodeId: 'review', step: { decision: { by: 'Ana María', answer: { decision: 'approve', comment: 'fine', payload: 'checked' } } } });
    const decided = (await events(runId)).find((event) => event.type === 'step.decided');
    expect(decided).toMatchObject({ nodeId: 'review', by: 'Ana María', answer: { decision: 'approve', comment: 'fine', payload: 'checked' } });
    const state = await runStatus(test, runId, 'succeeded', 'failed', 'cancelled');
    expect(state.status).toBe('succeeded');
    expect(state.outputs).toEqual({ approved: 'checked' });
    expect((await test.api.get('/api/approvals')).body.approvals.some((item: { runId: string }) => item.runId === runId)).toBe(false);
  });

  it('rejects, with "user" as the default decider', async () => {
    const runId = await startWaiting();
    const response = await test.api.post(`/api/runs/${runId}/steps/review/decision`, { decision: 'reject', comment: 'no' });
    expect(response.status).toBe(200);
    expect(response.body.step.decision).toMatchObject({ by: 'user', answer: { decision: 'reject', comment: 'no' } });
    const state = await runStatus(test, runId, 'succeeded', 'failed', 'cancelled');
    expect(state.status).toBe('succeeded');
    expect(state.outputs).toEqual({ rejected: 'no' });
  });

  it('lets exactly one of two concurrent decisions win; the other gets 409', async () => {
    const runId = await startWaiting();
    const path = `/api/runs/${runId}/steps/review/decision`;
    const answers = await Promise.all([test.api.post(path, { decision: 'approve' }), test.api.post(path, { decision: 'reject', comment: 'late' })]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    expect((await events(runId)).filter((event) => event.type === 'step.decided')).toHaveLength(1);
    expect((await test.api.post(path, { decision: 'approve' })).status).toBe(409);
  });

  it('answers 404 for an unknown run or step, 409 for a step that is not waiting, 400 for bad bodies', async () => {
    const runId = await startWaiting();
    expect((await test.api.post(`/api/runs/run-nope/steps/review/decision`, { decision: 'approve' })).status).toBe(404);
    expect((await test.api.post(`/api/runs/${runId}/steps/nobody/decision`, { decision: 'approve' })).status).toBe(404);
    const notWaiting = await test.api.post(`/api/runs/${runId}/steps/ticket/decision`, { decision: 'approve' });
    expect(notWaiting.status).toBe(409);
    expect(notWaiting.body.error.message).toMatch(/not waiting/);
    for (const body of [{}, { decision: 'maybe' }, { decision: 'approve', extra: 1 }, { decision: 'approve', by: '<script>' }, { decision: 'approve', comment: 'x'.repeat(10_001) }]) {
      const response = await test.api.post(`/api/runs/${runId}/steps/review/decision`, body);
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(response.body.error.issues.length).toBeGreaterThan(0);
    }
    // A rejection with a payload is an invalid decision: 400, and the step still waits.
    expect((await test.api.post(`/api/runs/${runId}/steps/review/decision`, { decision: 'reject', payload: 1 })).status).toBe(400);
    expect((await test.api.get(`/api/runs/${runId}`)).body.steps.review.status).toBe('waiting');
    expect((await test.api.post(`/api/runs/${runId}/steps/review/decision`, { decision: 'approve' })).status).toBe(200);
    // The run has ended: a decision on any of its steps is a conflict, an unknown step still 404.
    expect((await runStatus(test, runId, 'succeeded', 'failed', 'cancelled')).status).toBe('succeeded');
    expect((await test.api.post(`/api/runs/${runId}/steps/review/decision`, { decision: 'approve' })).status).toBe(409);
    expect((await test.api.post(`/api/runs/${runId}/steps/nobody/decision`, { decision: 'approve' })).status).toBe(404);
  });
});

describe('POST /api/runs/:runId/cancel', () => {
  it('cancels a waiting run (200), then 409; an unknown run 404', async () => {
    const runId = await startWaiting();
    const response = await test.api.post(`/api/runs/${runId}/cancel`, { by: 'ops' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ runId, status: 'cancelled' });
    expect((await events(runId)).at(-1)).toMatchObject({ type: 'run.cancelled', by: 'ops' });
    expect((await test.api.post(`/api/runs/${runId}/cancel`)).status).toBe(409);
    expect((await test.api.post('/api/runs/run-nope/cancel')).status).toBe(404);
    expect((await test.api.post(`/api/runs/${runId}/cancel`, { reason: 'x' })).status).toBe(400);
    expect((await test.api.get(`/api/runs?flowId=review`)).body.runs.find((run: { runId: string }) => run.runId === runId).status).toBe('cancelled');
  });
});

describe('POST /api/estimate, GET /api/approvals, GET /api/health', () => {
  it('estimates a flow with a model step', async () => {
    const response = await test.api.post('/api/estimate', { flow: basicFlow().build(), inputs: { text: 'hello' } });
    expect(response.status).toBe(200);
    expect(response.body.steps).toEqual([expect.objectContaining({ nodeId: 'classify', model: 'gpt-4o-mini', simulated: true, worstCaseUsd: expect.any(Number) })]);
    expect(response.body.totalUsd).toBeGreaterThan(0);
    expect((await test.api.post('/api/estimate', { flow: { id: 'x' } })).status).toBe(400);
    expect((await test.api.post('/api/estimate', { flow: basicFlow().build(), extra: 1 })).status).toBe(400);
  });

  it('rejects query strings on approvals and health', async () => {
    expect((await test.api.get('/api/approvals?all=1')).status).toBe(400);
    expect((await test.api.get('/api/health?x=1')).status).toBe(400);
  });

  it('reports health with the simulated flag and public provider info only', async () => {
    const response = await test.api.get('/api/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ok: true, simulated: true, providers: [{ name: 'simulated', models: [], simulated: true, fallback: true }], store: process.env.WEFT_TEST_STORE === 'postgres' ? 'postgres' : 'files', role: 'all', ...(process.env.WEFT_TEST_STORE === 'postgres' ? { workers: 1 } : {}) });
    expect(response.text).not.toMatch(/http:|https:|key/i);
  });

  it('answers unknown API paths with a JSON 404', async () => {
    const response = await test.api.get('/api/nothing-here');
    expect(response.status).toBe(404);
    expect(response.body.error.message).toMatch(/no such endpoint/);
  });
});
