/** `POST /api/flows/:id/invoke` over real HTTP: answers, waits, input checks, idempotency, origins. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flow } from '../../shared/testing/flow-builder.ts';
import { startFakeOpenAIServer, textReply, type FakeOpenAIServer } from '../providers/testing/fake-openai-server.ts';
import { TEST_API_KEY } from '../providers/testing/fake-provider.ts';
import { echoFlow, reviewFlow } from '../testing/fixture-flows.ts';
import { eventually, startTestServer, type TestServer } from '../testing/test-server.ts';

let test: TestServer;
let fake: FakeOpenAIServer;
const askFlow = flow('ask', 'Ask a model').input('ticket', { text: 'string' }).model('ask', { retries: 0 }).output('result', { answer: 'string' }).wire('ticket.text', 'ask.text').wire('ask.result', 'result.answer').build();

beforeAll(async () => {
  fake = await startFakeOpenAIServer();
  test = await startTestServer({ env: { OPENAI_API_KEY: TEST_API_KEY, OPENAI_BASE_URL: fake.baseURL } });
  for (const saved of [echoFlow(), reviewFlow(), askFlow]) expect((await test.api.put(`/api/flows/${saved.id}`, saved)).status).toBe(201);
});
afterAll(async () => {
  await test.close();
  await fake.close();
});

const runCount = async (flowId: string): Promise<number> => (await test.api.get(`/api/runs?flowId=${flowId}`)).body.runs.length;

describe('POST /api/flows/:id/invoke', () => {
  it('answers 200 with the outputs and cost of a run that ends in time, and records the origin', async () => {
    const response = await test.api.post('/api/flows/echo/invoke', { inputs: { text: 'hello' } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ runId: expect.stringMatching(/^run-/), status: 'succeeded', outputs: { text: 'hello' }, costUsd: 0 });
    const listed = (await test.api.get('/api/runs?flowId=echo')).body.runs.find((run: { runId: string }) => run.runId === response.body.runId);
    expect(listed.origin).toEqual({ type: 'invoke' });
    const events = (await test.api.get(`/api/runs/${response.body.runId}/events`)).body.events;
    expect(events[0]).toMatchObject({ type: 'run.started', origin: { type: 'invoke' } });
  });

  it('answers 202 with the run URL while the run waits for a person', async () => {
    const response = await test.api.post('/api/flows/review/invoke?wait=5', { inputs: { text: 'check me' } });
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ runId: expect.any(String), status: 'waiting', url: `/api/runs/${response.body.runId}` });
    expect(response.headers.location).toBe(`/api/runs/${response.body.runId}`);
    expect((await test.api.get(response.body.url)).body.status).toBe('waiting');
  });

  it('answers 202 at once with wait=0 for a run still going', async () => {
    // The model never answers: the run is certainly still going; cancelling it ends the request.
    fake.reply({ kind: 'hang' });
    const requestsBefore = fake.requests.length;
    const response = await test.api.post('/api/flows/ask/invoke?wait=0', { inputs: { text: 'later' } });
    expect(response.status).toBe(202);
    expect(response.body.status).toBe('running');
    // Cancelled only once its request took the hanging reply, so later tests get their own replies.
    await fake.waitForRequests(requestsBefore + 1);
    expect((await test.api.post(`${response.body.url}/cancel`)).status).toBe(200);
    await eventually(async () => ((await test.api.get(response.body.url)).body.status === 'cancelled' ? true : undefined), 10_000, 'the run to end');
  });

  it('checks the inputs and the query first: 400 naming the field, and no run is started', async () => {
    const before = await runCount('echo');
    const wrong = await test.api.post('/api/flows/echo/invoke', { inputs: { text: 7 } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.issues[0].path).toBe('inputs.text');
    const missing = await test.api.post('/api/flows/echo/invoke', { inputs: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.error.issues[0].path).toBe('inputs.text');
    expect((await test.api.post('/api/flows/echo/invoke?wait=301', { inputs: { text: 'x' } })).body.error.issues[0].path).toBe('query.wait');
    expect((await test.api.post('/api/flows/echo/invoke', { inputs: { text: 'x' }, extra: 1 })).status).toBe(400);
    expect((await test.api.post('/api/flows/echo/invoke', { inputs: { text: 'x' } }, { 'idempotency-key': 'x'.repeat(201) })).body.error.issues[0].path).toBe('headers.idempotency-key');
    expect((await test.api.post('/api/flows/nothing/invoke', { inputs: {} })).status).toBe(404);
    expect(await runCount('echo')).toBe(before);
  });

  it('starts one run (one model request) for calls repeated with one Idempotency-Key, also at the same time', async () => {
    fake.reply(textReply('the answer', { usage: { prompt_tokens: 10, completion_tokens: 5 } }));
    const before = fake.requests.length;
    const headers = { 'idempotency-key': 'ticket-4711' };
    const [first, second] = await Promise.all([test.api.post('/api/flows/ask/invoke', { inputs: { text: 'why?' } }, headers), test.api.post('/api/flows/ask/invoke', { inputs: { text: 'why?' } }, headers)]);
    const third = await test.api.post('/api/flows/ask/invoke', { inputs: { text: 'why?' } }, headers);
    for (const answer of [first, second, third]) expect(answer.status).toBe(200);
    expect(new Set([first.body.runId, second.body.runId, third.body.runId]).size).toBe(1);
    expect(third.body).toMatchObject({ status: 'succeeded', outputs: { answer: 'the answer' } });
    expect(third.body.costUsd).toBeGreaterThan(0);
    expect(third.headers['idempotent-replayed']).toBe('true');
    expect(fake.requests.length - before).toBe(1);
    // The same key with other inputs is a mistake, not a new run.
    const other = await test.api.post('/api/flows/ask/invoke', { inputs: { text: 'something else' } }, headers);
    expect(other.status).toBe(422);
    expect(fake.requests.length - before).toBe(1);
  });

  it('remembers the key across a restart of the server', async () => {
    const restartDirs = test.dirs;
    const first = await test.api.post('/api/flows/echo/invoke', { inputs: { text: 'once' } }, { 'idempotency-key': 'restart-1' });
    await test.stop();
    test = await startTestServer({ dirs: restartDirs, env: { OPENAI_API_KEY: TEST_API_KEY, OPENAI_BASE_URL: fake.baseURL } });
    const again = await test.api.post('/api/flows/echo/invoke', { inputs: { text: 'once' } }, { 'idempotency-key': 'restart-1' });
    expect(again.body.runId).toBe(first.body.runId);
    expect((await test.api.get('/api/runs?flowId=echo')).body.runs.filter((run: { inputsPreview: string }) => run.inputsPreview === '{"text":"once"}')).toHaveLength(1);
  });
});
