/**
 * Several servers on one database (WEFT_DATABASE_URL) agree on what must happen once: a call
 * retried with one `Idempotency-Key` starts one run whichever servers the calls reach, also at the
 * same time; each schedule tick starts one run with two servers' schedulers; API keys made on one
 * server or by `weft keys` with WEFT_DATABASE_URL work on every server. And the stores
 * themselves: idempotency rows kept over a day and trimmed after it, a failed start letting the
 * key go, concurrent claims from two connection pools starting one run; tick claims pruned.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { Flow } from '../shared/flow.ts';
import { main } from './cli/main.ts';
import type { CliIo } from './cli/output.ts';
import { IDEMPOTENCY_RETENTION_MS } from './invoke/idempotency-store.ts';
import { PostgresIdempotency } from './invoke/idempotency-postgres.ts';
import { PostgresTickClaims } from './schedule/tick-claims-postgres.ts';
import { KEPT_CLAIMS } from './schedule/tick-claims.ts';
import { openDatabase, type Database } from './store/postgres/database.ts';
import { describeWithDatabase } from './store/postgres/testing/test-database.ts';
import { echoFlow, reviewFlow } from './testing/fixture-flows.ts';
import { eventually, startTestServer, type TestServer } from './testing/test-server.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describeWithDatabase('servers on one database', (database) => {
  let sql: pg.Client;
  beforeAll(async () => {
    sql = new pg.Client({ connectionString: database().url });
    await sql.connect();
  });
  afterAll(() => sql.end());

  async function servers(count: number, options: { scheduleRescanMs?: number } = {}): Promise<TestServer[]> {
    const started: TestServer[] = [];
    for (let index = 0; index < count; index++) {
      const test = await startTestServer({ ...options, config: { databaseUrl: database().url } });
      cleanups.push(() => test.close());
      started.push(test);
    }
    return started;
  }

  async function openPool(): Promise<Database> {
    const opened = await openDatabase(database().url, { log: () => undefined });
    cleanups.push(() => opened.close());
    return opened;
  }

  const startedRuns = async (flowId: string): Promise<Array<{ run_id: string; origin: { type: string; name?: string } | null }>> =>
    (await sql.query("SELECT run_id, body->'origin' AS origin FROM run_events WHERE type = 'run.started' AND body->>'flowId' = $1", [flowId])).rows;

  it('starts one run per Idempotency-Key when retries reach two servers at the same time', async () => {
    const [a, b] = await servers(2);
    expect((await a!.api.put('/api/flows/review', reviewFlow())).status).toBe(201);
    const keys = ['order-1', 'order-2', 'order-3', 'order-4', 'order-5'];
    for (const key of keys) {
      const call = (test: TestServer) => test.api.post('/api/flows/review/invoke?wait=0', { inputs: { text: key } }, { 'idempotency-key': key });
      const answers = await Promise.all([call(a!), call(b!), call(a!), call(b!)]);
      expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202]);
      expect(new Set(answers.map((answer) => answer.body.runId)).size).toBe(1);
      expect(answers.filter((answer) => answer.headers['idempotent-replayed'] === 'true')).toHaveLength(3);
    }
    expect(await startedRuns('review')).toHaveLength(keys.length);
    // The same key with other inputs is refused on the other server too.
    const reused = await b!.api.post('/api/flows/review/invoke?wait=0', { inputs: { text: 'other' } }, { 'idempotency-key': 'order-1' });
    expect(reused.status).toBe(422);
    expect(await startedRuns('review')).toHaveLength(keys.length);
  });

  it('starts one run per schedule tick with two servers scheduling the same flow', async () => {
    const [a, b] = await servers(2, { scheduleRescanMs: 50 });
    const ticker = { ...echoFlow('ticker'), settings: { triggers: [{ type: 'schedule', cron: '* * * * * *', inputs: { text: 'tick' } }] } } as Flow;
    expect((await a!.api.put('/api/flows/ticker', ticker)).status).toBe(201);
    const scheduled = async () => (await startedRuns('ticker')).filter((run) => run.origin?.type === 'schedule');
    await eventually(async () => ((await scheduled()).length >= 5 ? true : undefined), 30_000, 'five scheduled runs');
    expect((await b!.api.put('/api/flows/ticker', echoFlow('ticker'))).status).toBe(200);
    await Promise.all([a!.stop(), b!.stop()]);
    const ticks = (await scheduled()).map((run) => run.origin!.name!);
    expect(ticks.every((name) => /^ticker\.1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/.test(name))).toBe(true);
    expect(new Set(ticks).size).toBe(ticks.length);
    const claimed = (await sql.query("SELECT count(*)::int AS count FROM schedule_ticks WHERE flow_id = 'ticker' AND trigger = 1")).rows[0].count;
    expect(claimed).toBeGreaterThan(0);
    expect(claimed).toBeLessThanOrEqual(KEPT_CLAIMS);
  });

  it('keeps API keys in the database: made on one server or by the CLI, accepted and revoked on every server', async () => {
    const [a, b] = await servers(2);
    expect((await a!.api.put('/api/flows/echo', echoFlow())).status).toBe(201);
    const invoke = (test: TestServer, key?: string) => test.api.post('/api/flows/echo/invoke', { inputs: { text: 'hi' } }, key ? { authorization: `Bearer ${key}` } : {});
    const created = await a!.api.post('/api/keys', { name: 'billing', flows: ['echo'] });
    expect(created.status).toBe(201);
    let out = '';
    let err = '';
    const io: CliIo = { out: (text) => void (out += text), err: (text) => void (err += text), readFile: async () => '', writeFile: async () => {}, env: { WEFT_DATABASE_URL: database().url } };
    expect(await main(['keys', 'create', '--name', 'nightly'], io), err).toBe(0);
    const cliKey = out.trim();
    // Once a key exists anywhere on the database, every server wants one.
    for (const test of [a!, b!]) {
      expect((await invoke(test)).status).toBe(401);
      expect((await invoke(test, created.body.key)).status).toBe(200);
      expect((await invoke(test, cliKey)).status).toBe(200);
    }
    expect((await b!.api.post('/api/keys', { name: 'billing' })).status).toBe(409); // one active key per name
    expect((await b!.api.delete('/api/keys/billing')).status).toBe(204);
    for (const test of [a!, b!]) expect((await invoke(test, created.body.key)).status).toBe(401);
    const listed = (await a!.api.get('/api/keys')).body.keys;
    expect(listed.map((key: { name: string; revokedAt?: string }) => [key.name, key.revokedAt !== undefined])).toEqual([['billing', true], ['nightly', false]]);
    expect(JSON.stringify(listed)).not.toContain(cliKey);
    for (const test of [a!, b!]) expect(existsSync(join(test.dirs.dataDir, 'api-keys.json'))).toBe(false);
    // A new key under the revoked name replaces the revoked one.
    expect((await b!.api.post('/api/keys', { name: 'billing' })).status).toBe(201);
    expect((await sql.query("SELECT count(*)::int AS count FROM api_keys WHERE name = 'billing'")).rows[0].count).toBe(1);
  });

  it('keeps an Idempotency-Key over a day, takes it over and trims it after, and lets it go when the start fails', async () => {
    expect(IDEMPOTENCY_RETENTION_MS).toBeGreaterThanOrEqual(24 * 60 * 60 * 1000);
    const store = new PostgresIdempotency(await openPool());
    const scope = { keyName: 'billing', flowId: 'kept', key: 'k-1' };
    let starts = 0;
    const start = async () => `run-${++starts}`;
    expect(await store.remember(scope, 'f', start)).toEqual({ runId: 'run-1', reused: false });
    await sql.query("UPDATE idempotency_keys SET created_at = now() - interval '24 hours' WHERE flow_id = 'kept'");
    expect(await store.remember(scope, 'f', start)).toEqual({ runId: 'run-1', reused: true });
    expect(await store.remember(scope, 'g', start)).toEqual({ mismatch: true });
    // Past the retention: the key starts a new run, and other expired rows are trimmed.
    await sql.query("INSERT INTO idempotency_keys (key_name, flow_id, idempotency_key, fingerprint, run_id, created_at) VALUES ('billing', 'kept', 'old', 'f', 'run-old', now() - interval '30 hours')");
    await sql.query("UPDATE idempotency_keys SET created_at = now() - interval '26 hours' WHERE idempotency_key = 'k-1'");
    expect(await store.remember(scope, 'f', start)).toEqual({ runId: 'run-2', reused: false });
    expect((await sql.query("SELECT idempotency_key, run_id FROM idempotency_keys WHERE flow_id = 'kept'")).rows).toEqual([{ idempotency_key: 'k-1', run_id: 'run-2' }]);
    // A start that fails is not remembered: the retry starts.
    const failing = { keyName: '', flowId: 'kept', key: 'k-2' };
    await expect(store.remember(failing, 'f', () => Promise.reject(new Error('store down')))).rejects.toThrow('store down');
    expect(await store.remember(failing, 'f', start)).toEqual({ runId: 'run-3', reused: false });
  });

  it('calls start once for concurrent claims from two connection pools, the others answering with its run', async () => {
    const [one, two] = [new PostgresIdempotency(await openPool()), new PostgresIdempotency(await openPool())];
    let starts = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const start = async () => {
      starts++;
      await released; // the winner is still starting while the others arrive
      return 'run-slow';
    };
    const scope = { keyName: 'app', flowId: 'race', key: 'same' };
    const calls = Array.from({ length: 8 }, (_, index) => (index % 2 === 0 ? one : two).remember(scope, 'f', start));
    await eventually(async () => ((await sql.query("SELECT 1 FROM idempotency_keys WHERE flow_id = 'race'")).rowCount === 1 ? true : undefined), 10_000, 'the winner row');
    release();
    const answers = await Promise.all(calls);
    expect(starts).toBe(1);
    expect(answers.filter((answer) => 'runId' in answer && answer.runId === 'run-slow')).toHaveLength(8);
    expect(answers.filter((answer) => 'reused' in answer && !answer.reused)).toHaveLength(1);
  });

  it('claims a tick once across pools and keeps the newest claims per trigger', async () => {
    const [one, two] = [new PostgresTickClaims(await openPool()), new PostgresTickClaims(await openPool())];
    const trigger = { flowId: 'claims', trigger: 2 };
    const results = await Promise.all([one.claim(trigger, 1000), two.claim(trigger, 1000), one.claim(trigger, 1000)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await two.claim({ flowId: 'claims', trigger: 1 }, 1000)).toBe(true); // another trigger of the flow
    for (let tick = 2; tick <= KEPT_CLAIMS + 5; tick++) expect(await (tick % 2 ? one : two).claim(trigger, tick * 1000)).toBe(true);
    expect(await one.lastTick(trigger)).toBe((KEPT_CLAIMS + 5) * 1000);
    expect(await one.lastTick({ flowId: 'claims', trigger: 3 })).toBeUndefined();
    const kept = (await sql.query("SELECT tick_ms::int AS tick FROM schedule_ticks WHERE flow_id = 'claims' AND trigger = 2 ORDER BY tick_ms")).rows.map((row) => row.tick);
    expect(kept).toEqual(Array.from({ length: KEPT_CLAIMS }, (_, index) => (index + 6) * 1000));
  });
});
