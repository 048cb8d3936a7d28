/**
 * Without PostgreSQL, the database suite fails under CI=true and is skipped with a clear line
 * elsewhere: both the verdict `npm test` prints (database-verdict.mjs) and the tests themselves
 * (server/store/postgres/testing/test-database.ts), run here as real child processes pointed at
 * a port where nothing listens.
 */
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
let unreachable: string;

beforeAll(async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  unreachable = `postgres://postgres:not-printed@127.0.0.1:${port}/postgres`;
});

function run(args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
  const { CI: _ci, VITEST: _vitest, VITEST_POOL_ID: _pool, VITEST_WORKER_ID: _worker, NODE_ENV: _mode, FORCE_COLOR: _color, ...rest } = process.env;
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...rest, NO_COLOR: '1', FORCE_COLOR: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output })));
}

describe('the verdict npm test prints', () => {
  it('fails under CI=true, saying PostgreSQL is not reachable and where', async () => {
    const result = await run(['scripts/database-verdict.mjs'], { WEFT_TEST_DATABASE_URL: unreachable, CI: 'true' });
    expect(result.code).toBe(1);
    expect(result.output).toContain(`FAILED: CI=true, but PostgreSQL is not reachable at 127.0.0.1:${new URL(unreachable).port} (ECONNREFUSED)`);
    expect(result.output).not.toContain('not-printed');
  });

  it('elsewhere says clearly that the database suite is not run', async () => {
    const result = await run(['scripts/database-verdict.mjs'], { WEFT_TEST_DATABASE_URL: unreachable });
    expect(result.code).toBe(0);
    expect(result.output).toContain('THE DATABASE SUITE IS NOT RUN: PostgreSQL is not reachable');
  });
});

describe('a database test file without PostgreSQL', () => {
  const vitest = ['node_modules/vitest/vitest.mjs', 'run', 'server/store/postgres/migrate.test.ts'];

  it('fails under CI=true', async () => {
    const result = await run(vitest, { WEFT_TEST_DATABASE_URL: unreachable, CI: 'true' });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('CI=true, but PostgreSQL is not reachable at 127.0.0.1:');
  });

  it('elsewhere skips its database tests with one line saying so, and still runs the others', async () => {
    const result = await run(vitest, { WEFT_TEST_DATABASE_URL: unreachable });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('DATABASE TESTS NOT RUN: PostgreSQL is not reachable at 127.0.0.1:');
    expect(result.output).toMatch(/1 passed \| 4 skipped/);
  });
});
