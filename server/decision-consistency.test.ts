/**
 * A decision whose payload breaks the write (nested too deep for JSON to write back) through the
 * real server: it is answered with an error, never acknowledged, and afterwards REST, the run
 * index, the approvals list and the decision route all still say the step waits, so a sound
 * decision then completes the run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { reviewFlow } from './testing/fixture-flows.ts';
import { eventually, runStatus, startTestServer, type TestServer } from './testing/test-server.ts';

let test: TestServer | undefined;
afterEach(async () => {
  await test?.close();
});

/** The run's state once it has `status` or has ended (seen on its stored events), failing if it is another. */
async function statusOf(runId: string, status: string): Promise<any> {
  const state = await runStatus(test!, runId, status, 'succeeded', 'failed', 'cancelled');
  expect(state.status).toBe(status);
  return state;
}

describe('a decision payload that cannot be recorded', () => {
  it('is refused without a trace; REST, index, approvals and the decision route agree the step still waits', async () => {
    test = await startTestServer();
    const { runId } = (await test.api.post('/api/runs', { flow: reviewFlow(), inputs: { text: 'review me' } })).body;
    await statusOf(runId, 'waiting');
    const depth = 200_000;
    const deep = `{"decision":"approve","payload":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const refused = await test.api.post(`/api/runs/${runId}/steps/review/decision`, deep);
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
    expect(refused.body.error.message).toBeTruthy();

    const state = await statusOf(runId, 'waiting');
    expect(state.steps.review.status).toBe('waiting');
    expect(state.steps.review.decision).toBeUndefined();
    await test.server.store.flush();
    expect(test.server.store.index.get(runId)?.status).toBe('waiting');
    await eventually(async () => ((await test!.api.get('/api/approvals')).body.approvals.some((approval: { runId: string }) => approval.runId === runId) ? true : undefined));
    const events = (await test.api.get(`/api/runs/${runId}/events`)).body.events;
    expect(events.some((event: { type: string }) => event.type === 'step.decided')).toBe(false);

    const decided = await eventually(async () => {
      const response = await test!.api.post(`/api/runs/${runId}/steps/review/decision`, { decision: 'approve', comment: 'fine' });
      return response.status === 503 ? undefined : response;
    });
    expect(decided.status).toBe(200);
    const done = await statusOf(runId, 'succeeded');
    expect(done.outputs).toEqual({ approved: 'review me' });
    expect((await test.api.post(`/api/runs/${runId}/steps/review/decision`, { decision: 'approve' })).status).toBe(409);
  }, 30_000);
});
