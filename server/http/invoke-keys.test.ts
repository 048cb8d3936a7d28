/**
 * API keys for invoking, over real HTTP and the real CLI entry: created with `weft keys` and with
 * `/api/keys`, stored hashed, and every bad key refused before anything starts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.ts';
import type { CliIo } from '../cli/output.ts';
import { echoFlow, reviewFlow } from '../testing/fixture-flows.ts';
import { apiClient } from '../testing/http-client.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';

let test: TestServer;
beforeAll(async () => {
  test = await startTestServer();
  for (const saved of [echoFlow(), reviewFlow()]) expect((await test.api.put(`/api/flows/${saved.id}`, saved)).status).toBe(201);
});
afterAll(() => test.close());

async function weft(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (text) => void (out += text), err: (text) => void (err += text), readFile: async () => '', writeFile: async () => {}, env: { WEFT_DATA_DIR: test.dirs.dataDir } };
  const code = await main(['keys', ...args], io);
  return { code, out, err };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const runCount = async (): Promise<number> => (await test.api.get('/api/runs')).body.runs.length;
const invoke = (flowId: string, headers: Record<string, string> = {}) => test.api.post(`/api/flows/${flowId}/invoke`, { inputs: { text: 'hi' } }, headers);

describe('API keys', () => {
  it('without any key, loopback invoking stays open', async () => {
    expect((await invoke('echo')).status).toBe(200);
  });

  it('once a key exists, invoking needs a valid key in scope: every bad key is refused and starts nothing', async () => {
    const created = await weft('create', '--name', 'billing', '--flow', 'echo');
    expect(created.code).toBe(0);
    const key = created.out.trim();
    expect(key).toMatch(/^weft_[\w-]{20,}$/);
    // Stored only as a hash.
    const file = readFileSync(join(test.dirs.dataDir, 'api-keys.json'), 'utf8');
    expect(file).not.toContain(key);
    expect(file).toContain('"billing"');

    const other = (await test.api.post('/api/keys', { name: 'reports' })).body.key as string;
    expect((await weft('revoke', 'reports')).code).toBe(0);

    const before = await runCount();
    const refusals = [
      [await invoke('echo'), 401, /needs an API key/],
      [await invoke('echo', bearer('weft_wrong')), 401, /unknown API key/],
      [await invoke('echo', bearer(other)), 401, /revoked/],
      [await invoke('review', bearer(key)), 403, /may not invoke flow "review"/],
    ] as const;
    for (const [response, status, message] of refusals) {
      expect(response.status).toBe(status);
      expect(response.body.error.message).toMatch(message);
    }
    expect(await runCount()).toBe(before);

    const ok = await invoke('echo', bearer(key));
    expect(ok.status).toBe(200);
    expect((await test.api.get(`/api/runs?flowId=echo`)).body.runs.find((run: { runId: string }) => run.runId === ok.body.runId).origin).toEqual({ type: 'invoke', name: 'billing' });
    // A key opens invoking only: the rest of the API does not take it as the admin token.
    expect((await test.api.get('/api/keys')).body.keys).toEqual([
      expect.objectContaining({ name: 'billing', flows: ['echo'], scopes: ['invoke'] }),
      expect.objectContaining({ name: 'reports', revokedAt: expect.any(String) }),
    ]);
    expect(JSON.stringify((await test.api.get('/api/keys')).body)).not.toMatch(/hash|weft_/);
    const listed = await weft('list');
    expect(listed.out).toMatch(/^billing\techo\t.*\tactive$/m);
    expect(listed.out).toMatch(/^reports\t\*\t.*\trevoked /m);
  });

  it('refuses bad names, duplicates and unknown revocations with clear errors', async () => {
    expect((await weft('create', '--name', 'Bad Name')).err).toMatch(/--name must be/);
    expect((await weft('create', '--name', 'billing')).err).toMatch(/already a key named "billing"/);
    expect((await weft('revoke', 'nobody')).code).toBe(2);
    expect((await weft('create')).err).toMatch(/usage: weft keys/);
    expect((await test.api.post('/api/keys', { name: 'x', flows: ['../etc'] })).body.error.issues[0].path).toBe('body.flows[0]');
    expect((await test.api.delete('/api/keys/nobody')).status).toBe(404);
  });
});

describe('API keys with an admin token', () => {
  it('a key invokes but is not the admin token; the token still invokes', async () => {
    const guarded = await startTestServer({ config: { token: 'admin-secret-token' } });
    try {
      const admin = apiClient(guarded.server.port, bearer('admin-secret-token'));
      expect((await admin.put('/api/flows/echo', echoFlow())).status).toBe(201);
      expect((await guarded.api.post('/api/flows/echo/invoke', { inputs: { text: 'a' } })).status).toBe(401);
      const key = (await admin.post('/api/keys', { name: 'app' })).body.key as string;
      expect((await guarded.api.post('/api/flows/echo/invoke', { inputs: { text: 'a' } }, bearer(key))).status).toBe(200);
      expect((await guarded.api.get('/api/runs', bearer(key))).status).toBe(401);
      expect((await guarded.api.post('/api/keys', { name: 'sneaky' }, bearer(key))).status).toBe(401);
      expect((await admin.post('/api/flows/echo/invoke', { inputs: { text: 'a' } })).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});
