/** Closed by default: Host, Origin, token, body limits, over real HTTP and WebSocket. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../config.ts';
import { startServer } from '../main.ts';
import { echoFlow, reviewFlow } from '../testing/fixture-flows.ts';
import { rawRequest } from '../testing/http-client.ts';
import { makeTempDirs } from '../testing/temp-dirs.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';
import { connectSocket } from '../testing/ws-client.ts';

let test: TestServer;
let port: number;
beforeAll(async () => {
  test = await startTestServer({ bodyLimitBytes: 1024 * 1024 });
  port = test.server.port;
});
afterAll(() => test.close());

describe('Host header (DNS rebinding)', () => {
  it('answers to loopback names with the actual port', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      expect((await rawRequest(port, { path: '/api/health', headers: { host } })).status, host).toBe(200);
    }
  });

  it('refuses any other Host with 403 before anything runs, REST and static alike', async () => {
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1', `attacker.localhost:${port}`, '']) {
      const response = await rawRequest(port, { path: '/api/health', headers: { host } });
      expect(response.status, host).toBe(403);
      expect(response.body.error.message).toMatch(/Host/);
    }
    expect((await rawRequest(port, { path: '/', headers: { host: 'evil.example' } })).status).toBe(403);
    const put = await rawRequest(port, { method: 'PUT', path: '/api/flows/echo', body: echoFlow(), headers: { host: 'evil.example' } });
    expect(put.status).toBe(403);
    expect(existsSync(join(test.dirs.flowsDir, 'echo.flow.json'))).toBe(false);
  });
});

describe('Origin on state-changing requests', () => {
  it('allows a request without Origin (curl, the CLI) and from the server\'s own origin', async () => {
    expect((await rawRequest(port, { method: 'PUT', path: '/api/flows/echo', body: echoFlow() })).status).toBe(201);
    expect((await rawRequest(port, { method: 'PUT', path: '/api/flows/echo', body: echoFlow(), headers: { origin: `http://127.0.0.1:${port}` } })).status).toBe(200);
    expect((await rawRequest(port, { method: 'PUT', path: '/api/flows/echo', body: echoFlow(), headers: { origin: `http://localhost:${port}` } })).status).toBe(200);
  });

  it('refuses a foreign Origin with 403 on POST, PUT and DELETE, changing nothing', async () => {
    await rawRequest(port, { method: 'PUT', path: '/api/flows/review', body: reviewFlow() });
    for (const origin of ['http://evil.example', `http://127.0.0.1:${port + 1}`, 'null', `https://127.0.0.1:${port}`]) {
      const calls = [
        rawRequest(port, { method: 'POST', path: '/api/flows/review/runs', body: { inputs: { text: 'x' } }, headers: { origin } }),
        rawRequest(port, { method: 'PUT', path: '/api/flows/evil', body: echoFlow('evil'), headers: { origin } }),
        rawRequest(port, { method: 'DELETE', path: '/api/flows/review', headers: { origin } }),
        rawRequest(port, { method: 'POST', path: '/api/runs', body: { flow: echoFlow(), inputs: { text: 'x' } }, headers: { origin } }),
      ];
      for (const response of await Promise.all(calls)) {
        expect(response.status, origin).toBe(403);
        expect(response.body.error.message).toMatch(/Origin/);
      }
    }
    expect(existsSync(join(test.dirs.flowsDir, 'review.flow.json'))).toBe(true);
    expect(existsSync(join(test.dirs.flowsDir, 'evil.flow.json'))).toBe(false);
    expect((await rawRequest(port, { path: '/api/runs?flowId=review' })).body.runs).toEqual([]);
  });

  it('never sends Access-Control-Allow-Origin', async () => {
    const response = await rawRequest(port, { path: '/api/flows', headers: { origin: 'http://evil.example' } });
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await rawRequest(port, { method: 'OPTIONS', path: '/api/flows', headers: { origin: 'http://evil.example', 'access-control-request-method': 'PUT' } });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
  });
});

describe('bodies', () => {
  it('answers 413 past the body limit', async () => {
    const huge = { flow: { ...echoFlow(), description: 'x'.repeat(1024 * 1024 + 10) }, inputs: {} };
    const response = await rawRequest(port, { method: 'POST', path: '/api/runs', body: huge });
    expect(response.status).toBe(413);
    expect(response.body.error.message).toMatch(/larger than/);
  });

  it('refuses bodies that are not JSON (415) and malformed JSON (400)', async () => {
    const text = await rawRequest(port, { method: 'POST', path: '/api/runs', body: 'flow=1', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    const form = await rawRequest(port, { method: 'POST', path: '/api/runs', body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(415);
    const malformed = await rawRequest(port, { method: 'POST', path: '/api/runs', body: '{"flow":' });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({ error: { message: 'the request body is not valid JSON' } });
  });
});

describe('an access token', () => {
  const TOKEN = 'correct-horse-battery-staple';
  let guarded: TestServer;
  beforeAll(async () => {
    guarded = await startTestServer({ config: { token: TOKEN } });
  });
  afterAll(() => guarded.close());

  it('is demanded on REST: 401 without or with a wrong one', async () => {
    const gport = guarded.server.port;
    expect((await rawRequest(gport, { path: '/api/health' })).status).toBe(401);
    expect((await rawRequest(gport, { path: '/api/health', headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);
    expect((await rawRequest(gport, { path: '/api/health', headers: { authorization: TOKEN } })).status).toBe(401);
    expect((await rawRequest(gport, { path: '/api/health', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  it('is demanded on the WebSocket upgrade as ?token=', async () => {
    const url = `ws://127.0.0.1:${guarded.server.port}/ws`;
    await expect(connectSocket(url)).rejects.toMatchObject({ status: 401 });
    await expect(connectSocket(`${url}?token=nope`)).rejects.toMatchObject({ status: 401 });
    const socket = await connectSocket(`${url}?token=${TOKEN}`);
    socket.send({ type: 'ping' });
    expect(await socket.next()).toEqual({ type: 'pong' });
    await socket.close();
  });

  it('can be handed to the browser once as /?token=, which keeps it in a SameSite cookie', async () => {
    const gport = guarded.server.port;
    expect((await rawRequest(gport, { path: '/?token=wrong-token-wrong-token' })).status).toBe(401);
    const login = await rawRequest(gport, { path: '/flows/x?token=' + TOKEN + '&tab=runs' });
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/flows/x?tab=runs');
    const cookie = String(login.headers['set-cookie']);
    expect(cookie).toMatch(/^weft_token=.*; HttpOnly; SameSite=Strict; Path=\//);
    const jar = cookie.split(';')[0]!;
    expect((await rawRequest(gport, { path: '/api/health', headers: { cookie: jar } })).status).toBe(200);
    expect((await rawRequest(gport, { path: '/api/health', headers: { cookie: 'weft_token=nope' } })).status).toBe(401);
    // The cookie does not let another site act: the Origin check still applies.
    expect((await rawRequest(gport, { method: 'PUT', path: '/api/flows/echo', body: echoFlow(), headers: { cookie: jar, origin: 'http://evil.example' } })).status).toBe(403);
    const socket = await connectSocket(`ws://127.0.0.1:${gport}/ws`, { headers: { cookie: jar } });
    socket.send({ type: 'ping' });
    expect(await socket.next()).toEqual({ type: 'pong' });
    await socket.close();
  });

  it('is required to bind anywhere but loopback', async () => {
    const dirs = makeTempDirs();
    try {
      await expect(startServer({ env: { HOST: '0.0.0.0', WEFT_FLOWS_DIR: dirs.flowsDir, WEFT_DATA_DIR: dirs.dataDir } })).rejects.toThrow(ConfigError);
      await expect(startServer({ env: { HOST: '0.0.0.0', WEFT_TOKEN: 'short' } })).rejects.toThrow(/too short/);
      await expect(startServer({ env: {}, config: { host: '0.0.0.0', port: 0, flowsDir: dirs.flowsDir, dataDir: dirs.dataDir } })).rejects.toThrow(/WEFT_TOKEN/);
    } finally {
      dirs.remove();
    }
  });
});

describe('WebSocket upgrades on the real server', () => {
  it('refuses a foreign Origin or Host and accepts the server\'s own origin', async () => {
    await expect(connectSocket(test.wsUrl, { headers: { origin: 'http://evil.example' } })).rejects.toMatchObject({ status: 403 });
    await expect(connectSocket(test.wsUrl, { headers: { host: 'evil.example' } })).rejects.toMatchObject({ status: 403 });
    const socket = await connectSocket(test.wsUrl, { headers: { origin: `http://localhost:${port}` } });
    socket.send({ type: 'ping' });
    expect(await socket.next()).toEqual({ type: 'pong' });
    await socket.close();
  });
});
