/** The server with WEFT_DATABASE_URL: flows in PostgreSQL, shared by servers, and a database that goes away. */
import { createServer, type AddressInfo } from 'node:net';
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { echoFlow } from './testing/fixture-flows.ts';
import { spawnServer } from './testing/server-process.ts';
import { eventually, startTestServer, type TestServer } from './testing/test-server.ts';
import { makeTempDirs } from './testing/temp-dirs.ts';
import { startServer } from './main.ts';
import { startTcpRelay } from './store/postgres/testing/tcp-relay.ts';
import { describeWithDatabase } from './store/postgres/testing/test-database.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function started(server: Promise<TestServer>): Promise<TestServer> {
  const test = await server;
  cleanups.push(() => test.close());
  return test;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the store in GET /api/health', () => {
  it('is "files" without a database', async () => {
    const test = await started(startTestServer());
    expect((await test.api.get('/api/health')).body).toMatchObject({ ok: true, store: 'files' });
  });
});

describe('a database out of reach at start', () => {
  const password = 'hunter2-not-to-be-printed';

  it('stops the start with an error naming host and port, never the password, and leaves the data directory free', async () => {
    const port = await closedPort();
    const dirs = makeTempDirs();
    cleanups.push(() => dirs.remove());
    const starting = startServer({ env: {}, sandboxPoolSize: 1, log: () => undefined, config: { host: '127.0.0.1', port: 0, flowsDir: dirs.flowsDir, dataDir: dirs.dataDir, databaseUrl: `postgres://weft:${password}@127.0.0.1:${port}/weft` } });
    const error = (await starting.then(() => undefined, (failure: unknown) => failure)) as Error;
    expect(error.name).toBe('DatabaseUnreachableError');
    expect(error.message).toContain(`cannot use the database at 127.0.0.1:${port}/weft`);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).not.toContain(password);
    // Nothing was left holding the data directory: a file-mode server starts on it.
    await started(startTestServer({ dirs }));
  });

  it('exits the real process with status 1 and one clear line', async () => {
    const port = await closedPort();
    const dirs = makeTempDirs();
    cleanups.push(() => dirs.remove());
    const failure = (await spawnServer({ WEFT_FLOWS_DIR: dirs.flowsDir, WEFT_DATA_DIR: dirs.dataDir, WEFT_DATABASE_URL: `postgres://weft:${password}@127.0.0.1:${port}/weft` }).then(
      (server) => {
        server.child.kill('SIGKILL');
        throw new Error('the server started without its database');
      },
      (error: unknown) => error,
    )) as { code: number; output: string };
    expect(failure.code).toBe(1);
    expect(failure.output).toContain(`weft: cannot use the database at 127.0.0.1:${port}/weft`);
    expect(failure.output).not.toContain(password);
  });

  it('refuses a WEFT_DATABASE_URL that is not a postgres URL, without repeating it', async () => {
    const failure = (await spawnServer({ WEFT_DATABASE_URL: `mysql://root:${password}@db/weft` }).then(
      () => undefined,
      (error: unknown) => error,
    )) as { code: number; output: string };
    expect(failure.output).toContain('WEFT_DATABASE_URL: must be a URL like postgres://user@host:5432/database');
    expect(failure.output).not.toContain(password);
  });
});

describeWithDatabase('database mode', (database) => {
  it('keeps flows in the database: two servers see the same flows, a saved flow runs, the flows directory stays empty', async () => {
    const first = await started(startTestServer({ config: { databaseUrl: database().url } }));
    const second = await started(startTestServer({ config: { databaseUrl: database().url } }));
    expect((await first.api.get('/api/health')).body).toMatchObject({ ok: true, store: 'postgres' });
    expect((await first.api.put('/api/flows/echo', echoFlow())).status).toBe(201);
    expect((await second.api.get('/api/flows')).body.flows).toEqual([expect.objectContaining({ id: 'echo', valid: true })]);
    expect((await second.api.put('/api/flows/echo', { ...echoFlow(), name: 'Edited on the second' })).status).toBe(200);
    expect((await first.api.get('/api/flows/echo')).body.name).toBe('Edited on the second');
    const run = await first.api.post('/api/flows/echo/runs', { inputs: { text: 'hi' } });
    expect(run.status).toBe(201);
    await eventually(async () => ((await first.api.get(`/api/runs/${run.body.runId}`)).body.status === 'succeeded' ? true : undefined), 10_000, 'the run to succeed');
    expect((await second.api.delete('/api/flows/echo')).status).toBe(204);
    expect((await first.api.get('/api/flows/echo')).status).toBe(404);
    expect(readdirSync(first.dirs.flowsDir)).toEqual([]);
  });

  it('answers 503 while the database is away, saves nothing then, and serves again once it is back', async () => {
    const url = new URL(database().url);
    const relay = await startTcpRelay(url.hostname, Number(url.port || 5432));
    cleanups.push(() => relay.close());
    url.host = `127.0.0.1:${relay.port}`;
    const test = await started(startTestServer({ config: { databaseUrl: url.toString() } }));
    expect((await test.api.put('/api/flows/echo', echoFlow())).status).toBe(201);

    relay.cut();
    const away = await test.api.get('/api/flows');
    expect(away.status).toBe(503);
    expect(away.headers['retry-after']).toBe('5');
    expect(away.body.error.message).toMatch(new RegExp(`the database at 127\\.0\\.0\\.1:${relay.port}/\\w+ is unavailable`));
    expect((await test.api.put('/api/flows/echo', { ...echoFlow(), name: 'Saved while away' })).status).toBe(503);
    expect((await test.api.get('/api/health')).status).toBe(200);

    relay.restore();
    const back = await eventually(async () => {
      const response = await test.api.get('/api/flows/echo');
      return response.status === 200 ? response : undefined;
    }, 10_000, 'the flows to be served again');
    expect(back.body.name).toBe(echoFlow().name);
  });
});
