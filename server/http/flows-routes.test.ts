/** /api/flows over real HTTP against an in-process server. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeFlow } from '../../shared/canonical.ts';
import { loose } from '../../shared/testing/flow-builder.ts';
import { codeReviewFlow, echoFlow, reviewFlow } from '../testing/fixture-flows.ts';
import { rawRequest } from '../testing/http-client.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';

let test: TestServer;
const SENTINEL = 'do not touch';

beforeAll(async () => {
  test = await startTestServer();
  // Files outside the flows directory that traversal would reach.
  writeFileSync(join(test.dirs.root, 'secret.flow.json'), SENTINEL);
  writeFileSync(join(test.dirs.root, 'secret'), SENTINEL);
});
afterAll(() => test.close());

describe('PUT /api/flows/:id', () => {
  it('creates (201) and updates (200) a flow, writing it canonically', async () => {
    const flow = reviewFlow('my-review');
    const created = await test.api.put('/api/flows/my-review', { ...flow, nodes: [...flow.nodes].reverse() });
    expect(created.status).toBe(201);
    expect(created.body.id).toBe('my-review');
    expect(created.headers.etag).toMatch(/^"[0-9a-f]{16}"$/);
    const text = readFileSync(join(test.dirs.flowsDir, 'my-review.flow.json'), 'utf8');
    expect(text).toBe(serializeFlow(flow));
    const updated = await test.api.put('/api/flows/my-review', { ...flow, name: 'Renamed' });
    expect(updated.status).toBe(200);
    expect(updated.body.name).toBe('Renamed');
  });

  it('keeps a draft with graph problems, reports them, and refuses to run it until they are fixed', async () => {
    const flow = loose(reviewFlow('bad-review'));
    flow.edges.push({ from: 'ticket.text', to: 'result.approved' });
    (flow.nodes[0]!.config as Record<string, unknown>).apiKey = 'sk-secret';
    const response = await test.api.put('/api/flows/bad-review', flow);
    expect(response.status).toBe(201);
    expect(response.headers['x-weft-flow-problems']).toBe(String(response.body.problems.length));
    const rules = response.body.problems.map((issue: { rule: string }) => issue.rule);
    expect(rules).toEqual(expect.arrayContaining(['config', 'multiple-wires']));
    expect(response.body.problems[0]).toMatchObject({ path: expect.any(String), message: expect.any(String) });
    expect(existsSync(join(test.dirs.flowsDir, 'bad-review.flow.json'))).toBe(true);
    const reopened = await test.api.get('/api/flows/bad-review');
    expect(reopened.status).toBe(200);
    expect(reopened.body.edges).toHaveLength(flow.edges.length);
    const run = await test.api.post('/api/flows/bad-review/runs', { inputs: {} });
    expect(run.status).toBe(400);
    expect(run.body.error.message).toMatch(/has problems/);
  });

  it('refuses a body that is not structurally a flow, with the reason once', async () => {
    const flow = loose(reviewFlow('bad-shape'));
    (flow.nodes[0] as Record<string, unknown>).position = 'top left';
    const response = await test.api.put('/api/flows/bad-shape', flow);
    expect(response.status).toBe(400);
    expect(response.body.error.message).toMatch(/the flow is not valid/);
    expect(response.body.error.issues[0].path).toMatch(/nodes\[0\]\.position/);
    expect(existsSync(join(test.dirs.flowsDir, 'bad-shape.flow.json'))).toBe(false);
  });

  it('refuses a body whose id differs from the URL', async () => {
    const response = await test.api.put('/api/flows/other-id', reviewFlow('my-review'));
    expect(response.status).toBe(400);
    expect(response.body.error).toEqual({ message: 'the body\'s id "my-review" differs from the URL\'s "other-id"', issues: [{ path: 'id', message: 'must be "other-id"' }] });
    expect(existsSync(join(test.dirs.flowsDir, 'other-id.flow.json'))).toBe(false);
  });

  it('refuses bodies that are not a flow at all', async () => {
    for (const body of ['[]', '"text"', '{}', '{"schemaVersion": 99}']) {
      const response = await rawRequest(test.server.port, { method: 'PUT', path: '/api/flows/x-flow', body });
      expect(response.status, body).toBe(400);
      expect(response.body.error.message, body).toBeTruthy();
    }
    const malformed = await rawRequest(test.server.port, { method: 'PUT', path: '/api/flows/x-flow', body: '{"schemaVersion": 1,' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toBe('the request body is not valid JSON');
  });

  it('refuses unknown query parameters', async () => {
    const response = await test.api.put('/api/flows/my-review?force=1', reviewFlow('my-review'));
    expect(response.status).toBe(400);
    expect(response.body.error.issues).toEqual([{ path: 'query', message: 'unknown key "force"' }]);
  });
});

describe('GET /api/flows and /api/flows/:id', () => {
  it('lists valid flows with name, description and node count, and invalid files with their problems', async () => {
    await test.api.put('/api/flows/echo', echoFlow());
    writeFileSync(join(test.dirs.flowsDir, 'broken.flow.json'), '{ not json');
    writeFileSync(join(test.dirs.flowsDir, 'flow.schema.json'), '{}');
    const response = await test.api.get('/api/flows');
    expect(response.status).toBe(200);
    const byId = Object.fromEntries(response.body.flows.map((entry: { id: string }) => [entry.id, entry]));
    expect(byId.echo).toEqual({ id: 'echo', file: 'echo.flow.json', valid: true, name: 'Echo', nodeCount: 2 });
    expect(byId.broken).toMatchObject({ id: 'broken', valid: false, problems: [{ rule: 'invalid-json' }] });
    expect(byId['flow.schema']).toBeUndefined();
  });

  it('returns a flow as stored, and picks up edits made outside Weft', async () => {
    await test.api.put('/api/flows/echo', echoFlow());
    writeFileSync(join(test.dirs.flowsDir, 'echo.flow.json'), serializeFlow({ ...echoFlow(), description: 'pulled from git' }));
    const response = await test.api.get('/api/flows/echo');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: 'echo', description: 'pulled from git' });
  });

  it('opens an invalid but readable file (the editor shows its problems); one that is not JSON gets 422', async () => {
    const document = loose(echoFlow('half'));
    document.edges.push({ from: 'ticket.text', to: 'nowhere.text' });
    writeFileSync(join(test.dirs.flowsDir, 'half.flow.json'), JSON.stringify(document));
    const readable = await test.api.get('/api/flows/half');
    expect(readable.status).toBe(200);
    expect(readable.headers['x-weft-flow-problems']).toBe('1');
    expect(readable.body.edges).toHaveLength(2);
    writeFileSync(join(test.dirs.flowsDir, 'mangled.flow.json'), '{"id": ');
    const mangled = await test.api.get('/api/flows/mangled');
    expect(mangled.status).toBe(422);
    expect(mangled.body.error.issues[0]).toMatchObject({ rule: 'invalid-json', line: 1 });
  });

  it('answers 404 for an unknown flow', async () => {
    const response = await test.api.get('/api/flows/no-such-flow');
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: { message: 'there is no flow "no-such-flow"' } });
  });
});

describe('DELETE /api/flows/:id', () => {
  it('deletes (204), then 404', async () => {
    await test.api.put('/api/flows/doomed', echoFlow('doomed'));
    expect((await test.api.delete('/api/flows/doomed')).status).toBe(204);
    expect(existsSync(join(test.dirs.flowsDir, 'doomed.flow.json'))).toBe(false);
    expect((await test.api.delete('/api/flows/doomed')).status).toBe(404);
  });
});

describe('flow ids never become paths outside the flows directory', () => {
  const attempts = [
    '/api/flows/..%2fsecret',
    '/api/flows/%2e%2e%2fsecret',
    '/api/flows/%2E%2E%2F%2E%2E%2Fsecret',
    '/api/flows/..%5csecret',
    '/api/flows/%2Ftmp%2Fsecret',
    '/api/flows/%2fetc%2fpasswd',
    '/api/flows/secret%00',
    '/api/flows/a%00b',
    '/api/flows/..',
    '/api/flows/%2e%2e',
    '/api/flows/../secret',
    '/api/flows/../../secret',
    '/api/flows//etc/passwd',
    '/api/flows/C:%5Cwindows',
    '/api/flows/UPPER',
    `/api/flows/${'a'.repeat(64)}`,
  ];

  it.each(attempts)('%s is refused with 400 or 404 for every method, touching nothing', async (path) => {
    const before = readdirSync(test.dirs.root).sort();
    const flowsBefore = readdirSync(test.dirs.flowsDir).sort();
    for (const [method, body] of [['GET'], ['DELETE'], ['PUT', echoFlow('secret')], ['POST', { inputs: { text: 'x' } }]] as const) {
      const response = await rawRequest(test.server.port, { method, path: method === 'POST' ? `${path}/runs` : path, ...(body ? { body } : {}) });
      expect([400, 404], `${method} ${path}: ${response.text}`).toContain(response.status);
      expect(response.body?.error?.message, `${method} ${path}`).toBeTruthy();
    }
    expect(readdirSync(test.dirs.root).sort()).toEqual(before);
    expect(readdirSync(test.dirs.flowsDir).sort()).toEqual(flowsBefore);
    expect(readFileSync(join(test.dirs.root, 'secret.flow.json'), 'utf8')).toBe(SENTINEL);
    expect(readFileSync(join(test.dirs.root, 'secret'), 'utf8')).toBe(SENTINEL);
  });

  it('names the problem for an id that is not an id', async () => {
    const response = await rawRequest(test.server.port, { path: '/api/flows/a%00b' });
    expect(response.status).toBe(400);
    expect(response.body.error.issues[0]).toMatchObject({ path: 'params.id' });
  });
});

describe('POST /api/flows/:id/runs', () => {
  it('starts a run of the saved flow: 201 {runId}', async () => {
    await test.api.put('/api/flows/echo', echoFlow());
    const response = await test.api.post('/api/flows/echo/runs', { inputs: { text: 'hello' } });
    expect(response.status).toBe(201);
    expect(Object.keys(response.body)).toEqual(['runId']);
    expect(response.body.runId).toMatch(/^run-[a-z0-9-]+$/);
  });

  it('refuses inputs that do not fit, naming each field', async () => {
    await test.api.put('/api/flows/code-review', codeReviewFlow());
    const response = await test.api.post('/api/flows/code-review/runs', { inputs: { text: 42, extra: true } });
    expect(response.status).toBe(400);
    expect(response.body.error.issues).toEqual([
      expect.objectContaining({ path: 'inputs.text', message: expect.stringMatching(/string/) }),
      expect.objectContaining({ path: 'inputs.extra', message: 'input "extra" is not a field of this flow' }),
    ]);
    const missing = await test.api.post('/api/flows/code-review/runs', {});
    expect(missing.status).toBe(400);
    expect(missing.body.error.issues[0].message).toMatch(/input "text" is missing/);
  });

  it('refuses a bad body, an unknown flow and an invalid saved flow', async () => {
    expect((await test.api.post('/api/flows/echo/runs', { input: {} })).body.error.issues).toEqual([{ path: 'body', message: 'unknown key "input"' }]);
    expect((await test.api.post('/api/flows/echo/runs', { inputs: [] })).status).toBe(400);
    expect((await test.api.post('/api/flows/no-such-flow/runs', { inputs: {} })).status).toBe(404);
    writeFileSync(join(test.dirs.flowsDir, 'broken.flow.json'), '{ not json');
    const broken = await test.api.post('/api/flows/broken/runs', { inputs: {} });
    expect(broken.status).toBe(400);
    expect(broken.body.error.message).toMatch(/has problems/);
  });
});
