/** The built client served next to the API, with the SPA fallback; and nothing outside dist/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../testing/http-client.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';

const INDEX = '<!doctype html><title>Weft</title><div id="root"></div>';
let test: TestServer;
let bare: TestServer;

beforeAll(async () => {
  bare = await startTestServer();
  const distDir = join(bare.dirs.root, 'dist');
  mkdirSync(join(distDir, 'assets'), { recursive: true });
  writeFileSync(join(distDir, 'index.html'), INDEX);
  writeFileSync(join(distDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(bare.dirs.root, 'secret.txt'), 'top secret');
  test = await startTestServer({ config: { distDir } });
});
afterAll(async () => {
  await test.close();
  await bare.close();
});

describe('the built client', () => {
  it('serves index.html, assets, and index.html for client routes', async () => {
    const port = test.server.port;
    const root = await rawRequest(port, { path: '/' });
    expect(root.status).toBe(200);
    expect(root.text).toBe(INDEX);
    expect(root.headers['x-frame-options']).toBe('DENY');
    const asset = await rawRequest(port, { path: '/assets/app.js' });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect((await rawRequest(port, { path: '/flows/ticket-triage' })).text).toBe(INDEX);
    expect((await rawRequest(port, { path: '/api/unknown' })).body).toEqual({ error: { message: 'no such endpoint: GET /api/unknown' } });
  });

  it('never serves files outside dist/', async () => {
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt']) {
      const response = await rawRequest(test.server.port, { path });
      expect(response.text, path).not.toContain('top secret');
    }
  });

  it('says so when there is no built client', async () => {
    const response = await rawRequest(bare.server.port, { path: '/' });
    expect(response.status).toBe(404);
    expect(response.text).toMatch(/client is not built/);
  });
});
