/**
 * Live everywhere (database mode): two servers on one database. A run started and executed on A
 * is answered for by B (state, history, approvals inbox) and streamed live to WebSocket clients
 * of B, with replay by seq, in order, with no gap and no duplicate.
 */
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import type { RunEvent } from '../shared/events.ts';
import { echoFlow, reviewFlow } from './testing/fixture-flows.ts';
import { eventually, startTestServer, type TestServer } from './testing/test-server.ts';
import { connectSocket, type TestSocket } from './testing/ws-client.ts';
import type { PostgresRunsStore } from './store/postgres/runs-store-postgres.ts';
import { startTcpRelay } from './store/postgres/testing/tcp-relay.ts';
import { describeWithDatabase } from './store/postgres/testing/test-database.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function eventsOf(socket: TestSocket, runId: string): RunEvent[] {
  return socket.messages.filter((message) => message.type === 'event' && message.event.runId === runId).map((message) => message.event);
}

function ended(runId: string): (message: any) => boolean {
  return (message) => message.type === 'event' && message.event.runId === runId && (message.event.type === 'run.succeeded' || message.event.type === 'run.failed');
}

describeWithDatabase('runs executed on another server', (database) => {
  async function servers(urlOfB = database().url): Promise<[TestServer, TestServer]> {
    // Both up before any run starts: each would otherwise resume the other's unfinished runs at start.
    const a = await startTestServer({ config: { databaseUrl: database().url } });
    cleanups.push(() => a.close());
    const b = await startTestServer({ config: { databaseUrl: urlOfB } });
    cleanups.push(() => b.close());
    return [a, b];
  }

  async function socketTo(server: TestServer): Promise<TestSocket> {
    const socket = await connectSocket(server.wsUrl);
    cleanups.push(() => socket.close());
    return socket;
  }

  it('streams a run executed on A to clients of B, live and by replay, and B answers for its state and approvals', async () => {
    const [a, b] = await servers();
    const watchingAll = await socketTo(b);
    watchingAll.send({ type: 'subscribe', runId: '*' });
    await watchingAll.next((message) => message.type === 'subscribed');

    const run = await a.api.post('/api/runs', { flow: reviewFlow('fan-review'), inputs: { text: 'ship it?' } });
    expect(run.status).toBe(201);
    const { runId } = run.body;

    // B learns of the run (index and waiting step) without executing it.
    const waiting = await eventually(async () => {
      const state = (await b.api.get(`/api/runs/${runId}`)).body;
      return state?.status === 'waiting' ? state : undefined;
    }, 15_000, `B to see run ${runId} waiting`);
    expect(waiting.steps.review.status).toBe('waiting');
    expect(b.server.runs.liveRunIds()).not.toContain(runId);
    await eventually(async () => (await b.api.get('/api/runs?flowId=fan-review')).body.runs?.some((entry: any) => entry.runId === runId && entry.status === 'waiting'), 15_000, "B's history to list the run");
    expect((await b.api.get('/api/approvals')).body.approvals).toEqual([expect.objectContaining({ runId, nodeId: 'review' })]);

    // A client of B subscribes mid-run from seq 2: the replay, then live events.
    const fromTwo = await socketTo(b);
    fromTwo.send({ type: 'subscribe', runId, after: 2 });
    await fromTwo.next((message) => message.type === 'subscribed' && message.runId === runId, 10_000);

    // Decisions go through the database: B records it, and a worker continues the run.
    const elsewhere = await b.api.post(`/api/runs/${runId}/steps/review/decision`, { decision: 'approve' });
    expect(elsewhere.status).toBe(200);
    const again = await a.api.post(`/api/runs/${runId}/steps/review/decision`, { decision: 'approve' });
    expect(again.status).toBe(409);
    await fromTwo.next(ended(runId), 15_000);
    await watchingAll.next(ended(runId), 15_000);

    const log: RunEvent[] = (await a.api.get(`/api/runs/${runId}/events`)).body.events;
    expect(log.map((event) => event.seq)).toEqual(log.map((_, index) => index + 1));
    expect(eventsOf(fromTwo, runId)).toEqual(log.slice(2));
    // "*" streams live events only: everything the run stored, each once, in order.
    expect(eventsOf(watchingAll, runId)).toEqual(log);

    const stateOnB = await eventually(async () => {
      const state = (await b.api.get(`/api/runs/${runId}`)).body;
      return state?.status === 'succeeded' ? state : undefined;
    }, 15_000, 'B to see the run succeed');
    expect(stateOnB).toEqual((await a.api.get(`/api/runs/${runId}`)).body);
    expect((await b.api.get('/api/approvals')).body.approvals).toEqual([]);
    await eventually(async () => (await b.api.get('/api/runs?flowId=fan-review')).body.runs?.some((entry: any) => entry.runId === runId && entry.status === 'succeeded'), 15_000, "B's history to show the run succeeded");
  });

  it('gives a client of B every event of many runs executed on A, each run in order and once', async () => {
    const [a, b] = await servers();
    const watching = await socketTo(b);
    watching.send({ type: 'subscribe', runId: '*' });
    await watching.next((message) => message.type === 'subscribed');
    const started = await Promise.all(Array.from({ length: 8 }, (_, index) => a.api.post('/api/runs', { flow: echoFlow('fan-echo'), inputs: { text: `hello ${index}` } })));
    const runIds: string[] = started.map((response) => {
      expect(response.status).toBe(201);
      return response.body.runId;
    });
    // Runs end in any order: wait until every end has arrived.
    await eventually(() => runIds.every((runId) => watching.messages.some(ended(runId))), 15_000, 'every run to end on B');
    for (const runId of runIds) {
      const log: RunEvent[] = (await a.api.get(`/api/runs/${runId}/events`)).body.events;
      expect(eventsOf(watching, runId)).toEqual(log);
    }
  });

  it("answers 503 on B while B's database is away, and once it is back B's clients get what A stored meanwhile, in order and once", async () => {
    const url = new URL(database().url);
    const relay = await startTcpRelay(url.hostname, Number(url.port || 5432));
    cleanups.push(() => relay.close());
    url.host = `127.0.0.1:${relay.port}`;
    const [a, b] = await servers(url.toString());

    const run = await a.api.post('/api/runs', { flow: reviewFlow('fan-away'), inputs: { text: 'while away' } });
    expect(run.status).toBe(201);
    const { runId } = run.body;
    const watcher = await socketTo(b);
    await eventually(async () => (await b.api.get(`/api/runs/${runId}`)).body?.status === 'waiting', 15_000, 'B to see the run waiting');
    watcher.send({ type: 'subscribe', runId, after: 0 });
    await watcher.next((message) => message.type === 'event' && message.event.runId === runId && message.event.type === 'step.waiting', 15_000);

    // B loses the database (every connection of B, its listen connection included, is cut; A keeps it).
    relay.cut();
    const start = await b.api.post('/api/runs', { flow: reviewFlow('fan-away'), inputs: { text: 'refused' } });
    expect(start.status).toBe(503);
    const read = await b.api.get('/api/runs/run-not-in-memory/events');
    expect(read.status).toBe(503);
    await eventually(() => b.warnings.some((line) => line.includes("hears other servers' run events was lost")), 15_000, 'B to notice its listen connection is gone');

    // Meanwhile A finishes the run: nothing of it can reach B yet.
    expect((await a.api.post(`/api/runs/${runId}/steps/review/decision`, { decision: 'approve' })).status).toBe(200);
    await eventually(async () => (await a.api.get(`/api/runs/${runId}`)).body?.status === 'succeeded', 15_000, 'the run to succeed on A');

    relay.restore();
    await watcher.next(ended(runId), 20_000);
    const log: RunEvent[] = (await a.api.get(`/api/runs/${runId}/events`)).body.events;
    expect(eventsOf(watcher, runId)).toEqual(log);
    await eventually(async () => (await b.api.get(`/api/runs/${runId}`)).body?.status === 'succeeded', 15_000, 'B to see the run succeed');
    const again = await eventually(async () => {
      const response = await b.api.post('/api/runs', { flow: echoFlow('fan-back'), inputs: { text: 'back' } });
      return response.status === 503 ? undefined : response;
    }, 15_000, 'B to start runs again');
    expect(again.status).toBe(201);
    expect(b.warnings.some((line) => line.includes("hearing other servers' run events again"))).toBe(true);
  });

  it("gets B going again after every backend of B is terminated: its clients miss nothing A stored", async () => {
    const url = new URL(database().url);
    url.searchParams.set('application_name', 'weft-server-b');
    const [a, b] = await servers(url.toString());
    const run = await a.api.post('/api/runs', { flow: reviewFlow('fan-kill'), inputs: { text: 'kill' } });
    const { runId } = run.body;
    const watcher = await socketTo(b);
    await eventually(async () => (await b.api.get(`/api/runs/${runId}`)).body?.status === 'waiting', 15_000, 'B to see the run waiting');
    watcher.send({ type: 'subscribe', runId, after: 0 });
    await watcher.next((message) => message.type === 'event' && message.event.runId === runId && message.event.type === 'step.waiting', 15_000);

    const admin = new pg.Client({ connectionString: database().url });
    await admin.connect();
    try {
      const names = ['weft-server-b', (b.server.store as PostgresRunsStore).listenApplicationName];
      const killed = await admin.query('SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = ANY($1::text[])', [names]);
      expect(killed.rows.length).toBeGreaterThanOrEqual(2);
    } finally {
      await admin.end();
    }
    expect((await a.api.post(`/api/runs/${runId}/steps/review/decision`, { decision: 'approve' })).status).toBe(200);
    await watcher.next(ended(runId), 20_000);
    const log: RunEvent[] = (await a.api.get(`/api/runs/${runId}/events`)).body.events;
    expect(eventsOf(watcher, runId)).toEqual(log);
    const again = await eventually(async () => {
      const response = await b.api.post('/api/runs', { flow: echoFlow('fan-kill-back'), inputs: { text: 'back' } });
      return response.status === 503 ? undefined : response;
    }, 15_000, 'B to start runs again');
    expect(again.status).toBe(201);
    await eventually(async () => (await b.api.get(`/api/runs/${again.body.runId}`)).body?.status === 'succeeded', 15_000, "B's own run to succeed");
  });
});
