/**
 * The server keeps the wire contract: every REST answer and WebSocket message of a real server
 * parses with the shared schema the client reads it with (shared/wire/).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  approvalListAnswer,
  cancelAnswer,
  decisionAnswer,
  errorAnswer,
  estimateAnswer,
  flowDocumentAnswer,
  flowListAnswer,
  healthAnswer,
  runCreatedAnswer,
  runEventsAnswer,
  runListAnswer,
  runStateAnswer,
  savedFlowAnswer,
} from '../../shared/wire/rest-answers.ts';
import { serverMessageSchema } from '../../shared/wire/socket-messages.ts';
import { echoFlow, reviewFlow } from '../testing/fixture-flows.ts';
import type { RawResponse } from '../testing/http-client.ts';
import { eventually, startTestServer, type TestServer } from '../testing/test-server.ts';
import { connectSocket } from '../testing/ws-client.ts';

let test: TestServer;
beforeAll(async () => {
  test = await startTestServer();
});
afterAll(() => test.close());

/** The answer's body as the schema reads it; fails the test with the schema's issues otherwise. */
function expectAnswer<T extends z.ZodType>(response: RawResponse, status: number, schema: T): z.output<T> {
  expect(response.status, response.text.slice(0, 300)).toBe(status);
  const parsed = schema.safeParse(response.body);
  expect(parsed.success ? [] : parsed.error.issues, response.text.slice(0, 300)).toEqual([]);
  return parsed.data as z.output<T>;
}

describe('REST answers', () => {
  it('parse with the shared answer schemas, lists always wrapped', async () => {
    const { api } = test;
    expectAnswer(await api.put('/api/flows/review', reviewFlow()), 201, savedFlowAnswer);
    expect(expectAnswer(await api.get('/api/flows'), 200, flowListAnswer).flows.map((flow) => flow.id)).toEqual(['review']);
    expectAnswer(await api.get('/api/flows/review'), 200, flowDocumentAnswer);
    expectAnswer(await api.get('/api/health'), 200, healthAnswer);
    expectAnswer(await api.post('/api/estimate', { flow: echoFlow() }), 200, estimateAnswer);
    const { runId } = expectAnswer(await api.post('/api/flows/review/runs', { inputs: { text: 'check' } }), 201, runCreatedAnswer);
    await eventually(async () => ((await api.get(`/api/runs/${runId}`)).body.status === 'waiting' ? true : undefined), 10_000, 'the run to wait');
    expectAnswer(await api.get(`/api/runs/${runId}`), 200, runStateAnswer);
    expect(expectAnswer(await api.get('/api/approvals'), 200, approvalListAnswer).approvals).toHaveLength(1);
    expect(expectAnswer(await api.get('/api/runs?flowId=review'), 200, runListAnswer).runs).toHaveLength(1);
    expect(expectAnswer(await api.get(`/api/runs/${runId}/events`), 200, runEventsAnswer).events.length).toBeGreaterThan(0);
    expectAnswer(await api.post(`/api/runs/${runId}/steps/review/decision`, { decision: 'approve' }), 200, decisionAnswer);
    const other = expectAnswer(await api.post('/api/runs', { flow: reviewFlow('other'), inputs: { text: 'x' } }), 201, runCreatedAnswer);
    expectAnswer(await api.post(`/api/runs/${other.runId}/cancel`, {}), 200, cancelAnswer);
    expect((await api.delete('/api/flows/review')).status).toBe(204);
  });

  it('errors parse with the shared error schema, issues naming the path', async () => {
    const error = expectAnswer(await test.api.post('/api/runs', { flow: echoFlow(), extra: 1 }), 400, errorAnswer);
    expect(error.error.issues).toEqual([{ path: 'body', message: 'unknown key "extra"' }]);
    expectAnswer(await test.api.get('/api/runs/nope'), 404, errorAnswer);
  });
});

describe('WebSocket messages', () => {
  it('parse with the shared server message schema', async () => {
    const client = await connectSocket(test.wsUrl);
    try {
      const { runId } = (await test.api.post('/api/runs', { flow: echoFlow('socket-echo'), inputs: { text: 'hi' } })).body as { runId: string };
      client.send({ type: 'subscribe', runId, after: 0 });
      await client.next((message) => message.type === 'subscribed');
      client.send({ type: 'ping' });
      client.send({ type: 'subscribe', runId: 'no-such-run' });
      await client.next((message) => message.type === 'error');
      client.send({ type: 'unsubscribe', runId });
      await client.next((message) => message.type === 'unsubscribed');
      const kinds = new Set<string>();
      for (const message of client.messages) {
        const parsed = serverMessageSchema.safeParse(message);
        expect(parsed.success ? [] : parsed.error.issues, JSON.stringify(message).slice(0, 300)).toEqual([]);
        kinds.add(message.type);
      }
      expect([...kinds].sort()).toEqual(['error', 'event', 'pong', 'subscribed', 'unsubscribed']);
    } finally {
      await client.close();
    }
  });
});
