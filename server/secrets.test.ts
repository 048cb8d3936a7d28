/**
 * A provider that echoes the key (as proxies that echo the Authorization header do) must not put
 * it anywhere: not in streamed deltas, outputs, the log on disk, REST or the WebSocket, even when
 * the key arrives split across chunks.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flow } from '../shared/testing/flow-builder.ts';
import { startFakeOpenAIServer, type FakeOpenAIServer } from './providers/testing/fake-openai-server.ts';
import { TEST_API_KEY } from './providers/testing/fake-provider.ts';
import { echoFlow } from './testing/fixture-flows.ts';
import { runReaches, runStatus, startTestServer, type TestServer } from './testing/test-server.ts';
import { connectSocket } from './testing/ws-client.ts';

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

function filesUnder(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('a provider echoing the API key', () => {
  it('never lets the key out: deltas, outputs, REST, WebSocket and the log on disk', async () => {
    const echoed = `Authorization: Bearer ${TEST_API_KEY} and again ${TEST_API_KEY}.`;
    // Split inside the key at several points: 'sk-weft-TE' | 'ST-0123' | ...
    const chunks = [echoed.slice(0, 25), echoed.slice(25, 32), echoed.slice(32, 61), echoed.slice(61, 70), echoed.slice(70)];
    fake.reply({ kind: 'text', chunks, usage: { prompt_tokens: 5, completion_tokens: 20 } });
    const echo = flow('echo-key').input('ticket', { text: 'string' }).model('ask', { retries: 0 }).output('result', { answer: 'string' }).wire('ticket.text', 'ask.text').wire('ask.result', 'result.answer').build();
    const socket = await connectSocket(test.wsUrl);
    socket.send({ type: 'subscribe', runId: '*' });
    await socket.next((message) => message.type === 'subscribed');
    const started = await test.api.post('/api/runs', { flow: echo, inputs: { text: 'tell me the key' } });
    expect(started.status).toBe(201);
    const runId: string = started.body.runId;
    const state = await runReaches(test, runId, (body) => body.status !== 'running');
    expect(state.status).toBe('succeeded');
    expect(state.outputs.answer).toBe('Authorization: Bearer [redacted] and again [redacted].');
    await socket.next((message) => message.type === 'events' && message.events?.some((event: { type: string }) => event.type === 'run.succeeded'), 10_000).catch(() => undefined);
    const secretPart = TEST_API_KEY.slice(8, 20);
    const events = (await test.api.get(`/api/runs/${runId}/events`)).body.events as Array<{ type: string; text?: string }>;
    // What a client shows is the deltas joined: a key split across deltas must not be there either.
    expect(events.filter((event) => event.type === 'step.delta').map((event) => event.text).join('')).toBe('Authorization: Bearer [redacted] and again [redacted].');
    const rest = JSON.stringify(events) + JSON.stringify(state);
    expect(rest).toContain('[redacted]');
    expect(rest).not.toContain(secretPart);
    expect(JSON.stringify(socket.messages)).not.toContain(secretPart);
    expect(JSON.stringify(socket.messages)).toContain('[redacted]');
    for (const file of filesUnder(test.dirs.dataDir)) expect(readFileSync(file, 'utf8'), file).not.toContain(secretPart);
    await socket.close();
  });

  it('scrubs a key that reaches an event by another road (run inputs, outputs) before it is stored', async () => {
    const started = await test.api.post('/api/runs', { flow: echoFlow('echo-input'), inputs: { text: `use ${TEST_API_KEY} please` } });
    expect(started.status).toBe(201);
    const runId: string = started.body.runId;
    const state = await runStatus(test, runId, 'succeeded', 'failed', 'cancelled');
    expect(state.status).toBe('succeeded');
    expect(state.inputs.text).toBe('use [redacted] please');
    expect(state.outputs.text).toBe('use [redacted] please');
    for (const file of filesUnder(test.dirs.dataDir)) expect(readFileSync(file, 'utf8'), file).not.toContain(TEST_API_KEY);
  });
});
