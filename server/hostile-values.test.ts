/**
 * Hostile values through the real server: deep, huge or prototype-shaped JSON from every side
 * (run inputs, code outputs, model replies, decision payloads, flow documents) and catastrophic
 * `pattern`s. Each must end in a clear error (a 400, or a failed step naming the limit), and the
 * server must keep answering afterwards.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flow } from '../shared/testing/flow-builder.ts';
import { startFakeOpenAIServer, type FakeOpenAIServer, type FakeReply } from './providers/testing/fake-openai-server.ts';
import { TEST_API_KEY } from './providers/testing/fake-provider.ts';
import { echoFlow, reviewFlow } from './testing/fixture-flows.ts';
import { rawRequest } from './testing/http-client.ts';
import { connectSocket } from './testing/ws-client.ts';
import { runReaches, startTestServer, type TestServer } from './testing/test-server.ts';

let test: TestServer;
let fake: FakeOpenAIServer;
beforeAll(async () => {
  fake = await startFakeOpenAIServer();
  test = await startTestServer({ env: { OPENAI_API_KEY: TEST_API_KEY, OPENAI_BASE_URL: fake.baseURL } });
});
afterAll(async () => {
  await test.close();
  await fake.close();
});

/** `[[[...0...]]]` nested `depth` deep, as JSON text (built as text: no recursion in the test either). */
function deepArrayText(depth: number): string {
  return `${'['.repeat(depth)}0${']'.repeat(depth)}`;
}

/** The run's state once it stops running, seen on its stored events (no deadline but the test's). */
function settled(runId: string): Promise<any> {
  return runReaches(test, runId, (state) => state.status !== 'running');
}

async function stillAnswers(): Promise<void> {
  expect((await test.api.get('/api/health')).status).toBe(200);
}

describe('deep values', () => {
  it('fails a code step whose output is nested 5,000 deep, naming the limit, and keeps serving', async () => {
    const source = 'export default function () {\n  let value = [];\n  for (let level = 0; level < 5000; level++) value = [value];\n  return { out: value };\n}\n';
    const deep = flow('deep-code')
      .input('ticket', { text: 'string' })
      .code('nest', { inputs: { text: 'string' }, outputs: { out: 'json' }, source })
      .output('result', { out: 'json' })
      .wire('ticket.text', 'nest.text')
      .wire('nest.out', 'result.out')
      .build();
    const started = await test.api.post('/api/runs', { flow: deep, inputs: { text: 'x' } });
    expect(started.status).toBe(201);
    const state = await settled(started.body.runId);
    expect(state.status).toBe('failed');
    expect(state.steps.nest.error.message).toMatch(/nested deeper than the limit of \d+ levels/);
    await stillAnswers();
  });

  it('fails a model step whose JSON reply is nested 6,000 deep, and keeps serving', async () => {
    // Too deep twice: the first reply and the one corrective request the model step makes. Streamed
    // in 1,000-character chunks, not textReply's 4: 3,000 chunks a reply made 6,600 stored events,
    // which alone took most of the test's time on a loaded machine.
    const deepReply = (): FakeReply => ({ kind: 'text', chunks: `{"value":${deepArrayText(6000)}}`.match(/[\s\S]{1,1000}/g)! });
    fake.reply(deepReply(), deepReply());
    const deep = flow('deep-model')
      .input('ticket', { text: 'string' })
      .model('ask', { output: { type: 'json', schema: { type: 'array' } }, retries: 0 })
      .output('result', { answer: 'json' })
      .wire('ticket.text', 'ask.text')
      .wire('ask.result', 'result.answer')
      .build();
    const started = await test.api.post('/api/runs', { flow: deep, inputs: { text: 'x' } });
    expect(started.status).toBe(201);
    const state = await settled(started.body.runId);
    expect(state.status).toBe('failed');
    expect(JSON.stringify(state.steps.ask.error)).toMatch(/nested deeper than the limit/);
    await stillAnswers();
  });

  it('refuses run inputs nested 8,000 deep with 400 naming the path', async () => {
    const inputs = flow('deep-inputs').input('ticket', { data: 'json' }).output('result', { data: 'json' }).wire('ticket.data', 'result.data').build();
    const body = `{"flow":${JSON.stringify(inputs)},"inputs":{"data":${deepArrayText(8000)}}}`;
    const response = await rawRequest(test.server.port, { method: 'POST', path: '/api/runs', body });
    expect(response.status).toBe(400);
    expect(response.text).toMatch(/inputs\.data.*nested deeper than the limit of \d+ levels/);
    await stillAnswers();
  });

  it('refuses a decision payload nested 8,000 deep with 400 before recording anything; the step can still be decided', async () => {
    const started = await test.api.post('/api/runs', { flow: reviewFlow('deep-decision'), inputs: { text: 'check' } });
    const runId: string = started.body.runId;
    expect((await settled(runId)).status).toBe('waiting');
    const body = `{"decision":"approve","payload":${deepArrayText(8000)}}`;
    const refused = await rawRequest(test.server.port, { method: 'POST', path: `/api/runs/${runId}/steps/review/decision`, body });
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/payload.*nested deeper than the limit/);
    const proto = await rawRequest(test.server.port, { method: 'POST', path: `/api/runs/${runId}/steps/review/decision`, body: '{"decision":"approve","payload":{"a":{"__proto__":{"admin":true}}}}' });
    expect(proto.status).toBe(400);
    expect(proto.body.error.message).toMatch(/payload\.a.*"__proto__"/);
    const events = (await test.api.get(`/api/runs/${runId}/events`)).body.events;
    expect(events.some((event: { type: string }) => event.type === 'step.decided')).toBe(false);
    const approved = await test.api.post(`/api/runs/${runId}/steps/review/decision`, { decision: 'approve', payload: 'edited' });
    expect(approved.status).toBe(200);
    expect((await settled(runId)).outputs).toEqual({ approved: 'edited' });
  });

  it('refuses a flow document nested 8,000 deep with 400, not 500', async () => {
    const document = flow('deep-flow').input('ticket', { text: 'string' }).output('result', { text: 'string' }).wire('ticket.text', 'result.text').build();
    const text = JSON.stringify(document).replace('"name":"Test flow"', `"name":"Test flow","extra":${deepArrayText(8000)}`);
    const saved = await rawRequest(test.server.port, { method: 'PUT', path: '/api/flows/deep-flow', body: text });
    expect(saved.status).toBe(400);
    expect(saved.text).toMatch(/nested deeper than the limit/);
    const schemaFlow = JSON.stringify(flow('deep-schema').input('ticket', { data: { type: 'json', schema: { type: 'object' } } }).output('result', { data: 'json' }).wire('ticket.data', 'result.data').build());
    const deepSchema = schemaFlow.replace('"schema":{"type":"object"}', `"schema":{"type":"object","items":${'{"items":'.repeat(8000)}{}${'}'.repeat(8000)}}`);
    const run = await rawRequest(test.server.port, { method: 'POST', path: '/api/runs', body: `{"flow":${deepSchema},"inputs":{"data":{}}}` });
    expect(run.status).toBe(400);
    await stillAnswers();
  });
});

describe('forbidden keys and ids', () => {
  it('refuses a node config carrying "__proto__" instead of dropping it', async () => {
    const text = JSON.stringify(reviewFlow('proto-config')).replace('"title":"Is this fine?"', '"title":"Is this fine?","__proto__":{"timeoutMs":1000}');
    const saved = await rawRequest(test.server.port, { method: 'PUT', path: '/api/flows/proto-config', body: text });
    expect(saved.status).toBe(400);
    expect(saved.body.error.message).toMatch(/"__proto__"/);
  });

  it('knows no run whose id names an inherited property (REST and WebSocket)', async () => {
    for (const runId of ['constructor', 'valueof']) expect((await test.api.get(`/api/runs/${runId}`)).status, runId).toBe(404);
    const socket = await connectSocket(test.wsUrl);
    try {
      socket.send({ type: 'subscribe', runId: 'constructor' });
      expect(await socket.next((message) => message.runId === 'constructor')).toEqual({ type: 'error', runId: 'constructor', message: 'there is no run "constructor"' });
    } finally {
      await socket.close();
    }
  });

  it('refuses to run an approval timeout beyond its maximum (saved only as a draft naming it)', async () => {
    const saved = await test.api.put('/api/flows/long-wait', { ...reviewFlow('long-wait'), nodes: reviewFlow().nodes.map((node) => (node.id === 'review' ? { ...node, config: { ...node.config, timeoutMs: 9e15 } } : node)) });
    expect(saved.status).toBe(201);
    expect(JSON.stringify(saved.body.problems)).toMatch(/timeoutMs/);
    const run = await test.api.post('/api/flows/long-wait/runs', { inputs: { text: 'x' } });
    expect(run.status).toBe(400);
    expect(run.text).toMatch(/timeoutMs/);
  });
});

describe('flow files', () => {
  it('refuses and reports a flow file that is a symbolic link to a file outside the flows directory', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'weft-outside-'));
    try {
      const secret = { ...echoFlow('leak'), description: 'outside-secret-text' };
      writeFileSync(join(outside, 'secret.json'), JSON.stringify(secret));
      symlinkSync(join(outside, 'secret.json'), join(test.dirs.flowsDir, 'leak.flow.json'));
      const read = await test.api.get('/api/flows/leak');
      expect(read.status).toBe(422);
      expect(read.text).not.toContain('outside-secret-text');
      expect(read.body.error.issues[0].message).toMatch(/symbolic link to a file outside the flows directory/);
      const listed = (await test.api.get('/api/flows')).body.flows.find((entry: { id: string }) => entry.id === 'leak');
      expect(listed).toMatchObject({ valid: false, problems: [{ rule: 'file' }] });
      expect(JSON.stringify(listed)).not.toContain('outside-secret-text');
      expect((await test.api.post('/api/flows/leak/runs', { inputs: { text: 'x' } })).status).toBe(400);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('serves a symbolic link to a flow file inside the flows directory', async () => {
    mkdirSync(join(test.dirs.flowsDir, 'kept'), { recursive: true });
    writeFileSync(join(test.dirs.flowsDir, 'kept', 'alias.json'), JSON.stringify(echoFlow('alias')));
    symlinkSync(join(test.dirs.flowsDir, 'kept', 'alias.json'), join(test.dirs.flowsDir, 'alias.flow.json'));
    const read = await test.api.get('/api/flows/alias');
    expect(read.status).toBe(200);
    expect(read.headers['x-weft-flow-problems']).toBeUndefined();
    expect(read.body.id).toBe('alias');
  });
});

describe('catastrophic patterns', () => {
  it('checks ^(a+)+$ against a long input without stalling the server', async () => {
    const patterned = flow('pattern')
      .input('ticket', { text: { type: 'json', schema: { type: 'string', pattern: '^(a+)+$' } } })
      .output('result', { text: 'json' })
      .wire('ticket.text', 'result.text')
      .build();
    const response = await test.api.post('/api/runs', { flow: patterned, inputs: { text: `${'a'.repeat(5000)}b` } });
    expect(response.status).toBe(400);
    expect(response.text).toMatch(/pattern/);
    const good = await test.api.post('/api/runs', { flow: patterned, inputs: { text: 'aaaa' } });
    expect(good.status).toBe(201);
    expect((await settled(good.body.runId)).status).toBe('succeeded');
  });

  it('refuses a pattern the linear-time engine cannot run (a backreference) when the flow is saved', async () => {
    const patterned = flow('backreference').input('ticket', { text: { type: 'json', schema: { type: 'string', pattern: '^(a)\\1$' } } }).output('result', { text: 'json' }).wire('ticket.text', 'result.text').build();
    const saved = await test.api.put('/api/flows/backreference', patterned);
    expect(saved.status).toBe(201);
    expect(JSON.stringify(saved.body.problems)).toMatch(/pattern/);
    const run = await test.api.post('/api/flows/backreference/runs', { inputs: { text: 'aa' } });
    expect(run.status).toBe(400);
    expect(run.text).toMatch(/pattern/);
  });
});
