/**
 * `weft keys create` in other processes while the server creates and revokes keys too: every
 * change lands (the read-modify-write of api-keys.json is under a lock file), and the running
 * server accepts the keys the CLI made without a restart.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoFlow } from '../testing/fixture-flows.ts';
import { REPO_ROOT } from '../testing/server-process.ts';
import { startTestServer, type TestServer } from '../testing/test-server.ts';

const run = promisify(execFile);
let test: TestServer;
beforeAll(async () => {
  test = await startTestServer();
  expect((await test.api.put('/api/flows/echo', echoFlow())).status).toBe(201);
});
afterAll(() => test.close());

const cliCreate = async (name: string): Promise<string> => {
  const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'bin', 'weft.mjs'), 'keys', 'create', '--name', name], { cwd: REPO_ROOT, env: { ...process.env, WEFT_DATA_DIR: test.dirs.dataDir } });
  return stdout.trim();
};

describe('API keys changed by the CLI and the server at once', () => {
  it('loses no key, and the server accepts the CLI keys at once', async () => {
    const cliNames = ['cli-1', 'cli-2', 'cli-3', 'cli-4'];
    const serverNames = ['app-1', 'app-2', 'app-3', 'app-4', 'app-5', 'app-6'];
    // One key to revoke while the others are being created.
    expect((await test.api.post('/api/keys', { name: 'old' })).status).toBe(201);
    const [cliKeys, serverAnswers] = await Promise.all([
      Promise.all(cliNames.map(cliCreate)),
      Promise.all([...serverNames.map((name) => test.api.post('/api/keys', { name })), test.api.delete('/api/keys/old')]),
    ]);
    expect(serverAnswers.map((answer) => answer.status)).toEqual([...serverNames.map(() => 201), 204]);
    const listed = (await test.api.get('/api/keys')).body.keys as Array<{ name: string; revokedAt?: string }>;
    expect(listed.map((key) => key.name).sort()).toEqual([...cliNames, ...serverNames, 'old'].sort());
    expect(listed.find((key) => key.name === 'old')!.revokedAt).toBeDefined();
    for (const key of [...cliKeys, ...serverAnswers.slice(0, serverNames.length).map((answer) => answer.body.key as string)]) {
      expect((await test.api.post('/api/flows/echo/invoke', { inputs: { text: 'hi' } }, { authorization: `Bearer ${key}` })).status).toBe(200);
    }
    expect(existsSync(join(test.dirs.dataDir, 'api-keys.json.lock'))).toBe(false); // released
  }, 60_000);
});
