/**
 * Deep, huge and hostile JSON over real HTTP and WebSocket: 400 naming the path and the limit
 * (413 past the body size), the forbidden keys refused the same way everywhere, never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoFlow, reviewFlow } from '../testing/fixture-flows.ts';
import { rawRequest } from '../testing/http-client.ts';
import { eventually, startTestServer, type TestServer } from '../testing/test-server.ts';
import { connectSocket } from '../testing/ws-client.ts';

let test: TestServer;
let port: number;
beforeAll(async () => {
  test = await startTestServer();
  port = test.server.port;
});
afterAll(() => test.close());

/** `{"a":{"a":...}}` nested `levels` deep, as text (a value this deep is built without recursion). */
function deepObjectText(levels: number, leaf = '1'): string {
  return '{"a":'.repeat(levels) + leaf + '}'.repeat(levels);
}

/** `[[[...]]]` nested `levels` deep. */
function deepArrayText(levels: number): string {
  return '['.repeat(levels) + ']'.repeat(levels);
}

describe('REST bodies', () => {
  it('answers a deep body with 400 naming the path and the limit, on every route that takes one', async () => {
    const flow = JSON.stringify(echoFlow('deep'));
    await rawRequest(port, { method: 'PUT', path: '/api/flows/echo', body: echoFlow() });
    const waiting = await test.api.post('/api/runs', { flow: reviewFlow('deep-review'), inputs: { text: 'check' } });
    const runId: string = waiting.body.runId;
    await eventually(async () => ((await test.api.get(`/api/runs/${runId}`)).body.status === 'waiting' ? true : undefined), 10_000, 'the run to wait');
    const cases: Array<{ method: string; path: string; body: string; where: RegExp }> = [
      { method: 'POST', path: '/api/runs', body: `{"flow":${flow},"inputs":{"text":${deepObjectText(100)}}}`, where: /^body\.inputs\.text(\.a)+$/ },
      { method: 'POST', path: '/api/runs', body: `{"flow":${deepArrayText(70)}}`, where: /^body\.flow(\[0\])+$/ },
      { method: 'POST', path: '/api/estimate', body: `{"flow":${deepObjectText(65)}}`, where: /^body\.flow(\.a)+$/ },
      { method: 'PUT', path: '/api/flows/deep', body: flow.replace('"nodes":', `"extra":${deepArrayText(200)},"nodes":`), where: /^body\.extra(\[0\])+$/ },
      { method: 'POST', path: '/api/flows/echo/runs', body: `{"inputs":{"text":${deepArrayText(1000)}}}`, where: /^body\.inputs\.text(\[0\])+$/ },
      { method: 'POST', path: `/api/runs/${runId}/steps/review/decision`, body: `{"decision":"approve","payload":${deepObjectText(80)}}`, where: /^body\.payload(\.a)+$/ },
    ];
    for (const { method, path, body, where } of cases) {
      const response = await rawRequest(port, { method, path, body });
      expect(response.status, `${method} ${path}`).toBe(400);
      expect(response.body.error.message, path).toMatch(/limit of 64 levels/);
      expect(response.body.error.issues, path).toHaveLength(1);
      expect(response.body.error.issues[0].path, path).toMatch(where);
      expect(response.body.error.issues[0].message, path).toBe('is nested deeper than the limit of 64 levels');
    }
    // Nothing was started or decided.
    expect((await test.api.get(`/api/runs/${runId}`)).body.status).toBe('waiting');
    expect((await test.api.get('/api/runs?flowId=echo')).body.runs).toEqual([]);
  });

  it('answers a body nested hundreds of thousands of levels with 400, not 500, and keeps serving', async () => {
    const response = await rawRequest(port, { method: 'POST', path: '/api/runs', body: `{"flow":${deepArrayText(400_000)}}` });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/limit of 64 levels/);
    expect((await test.api.get('/api/health')).status).toBe(200);
  });

  it('refuses __proto__, constructor and prototype keys anywhere in a body with 400 naming the path', async () => {
    const flow = echoFlow('proto');
    const cases: Array<{ method: string; path: string; body: string; where: string }> = [
      { method: 'PUT', path: '/api/flows/proto', body: JSON.stringify(flow).replace('"nodes":[{', '"nodes":[{"__proto__":{"polluted":true},'), where: 'body.nodes[0].__proto__' },
      { method: 'POST', path: '/api/runs', body: JSON.stringify({ flow, inputs: { text: { constructor: { prototype: 1 } } } }), where: 'body.inputs.text.constructor' },
      { method: 'POST', path: '/api/estimate', body: JSON.stringify({ flow: { ...flow, prototype: 'x' } }), where: 'body.flow.prototype' },
      { method: 'POST', path: '/api/runs', body: '{"__proto__":{"flow":1}}', where: 'body.__proto__' },
    ];
    for (const { method, path, body, where } of cases) {
      const response = await rawRequest(port, { method, path, body });
      expect(response.status, `${method} ${path}`).toBe(400);
      expect(response.body.error.issues?.[0]?.path, path).toBe(where);
      expect(response.body.error.issues[0].message, path).toMatch(/is not allowed in any object/);
    }
    expect((await test.api.get('/api/flows/proto')).status).toBe(404);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('answers a body past the size limit with 413 naming the limit', async () => {
    const response = await rawRequest(port, { method: 'POST', path: '/api/runs', body: `{"flow":${deepArrayText(600_000)}}` });
    expect(response.status).toBe(413);
    expect(response.body.error.message).toBe('the request body is larger than 1048576 bytes');
  });
});

describe('WebSocket messages', () => {
  it('answers a deep message or a forbidden key with an error naming the path and the limit, and keeps the connection', async () => {
    const client = await connectSocket(test.wsUrl);
    try {
      client.send(`{"type":"subscribe","runId":"x","after":${deepArrayText(5_000)}}`);
      const deep = await client.next((message) => message.type === 'error');
      expect(deep.message).toMatch(/limit of 64 levels/);
      expect(deep.issues[0]).toEqual({ path: expect.stringMatching(/^after(\[0\])+$/), message: 'is nested deeper than the limit of 64 levels' });
      client.send('{"type":"ping","__proto__":{"polluted":true}}');
      const proto = await client.next((message) => message.type === 'error');
      expect(proto.issues[0]).toEqual({ path: '__proto__', message: 'uses the key "__proto__", which is not allowed in any object' });
      client.send({ type: 'ping' });
      expect(await client.next()).toEqual({ type: 'pong' });
    } finally {
      await client.close();
    }
  });
});
