/**
 * Runs in database mode (WEFT_DATABASE_URL): the run manager's behaviour on the PostgreSQL runs
 * store: runs, events, the index and pinned flows in the database (nothing in the data
 * directory), WebSocket replay by seq, resume after SIGKILL with decisions applied once, and
 * 503 while the database is away with service resumed once it is back.
 */
import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import type { RunEvent } from '../shared/events.ts';
import { echoFlow, reviewFlow } from './testing/fixture-flows.ts';
import { apiClient } from './testing/http-client.ts';
import { REPO_ROOT, spawnServer, type ServerProcess } from './testing/server-process.ts';
import { makeTempDirs } from './testing/temp-dirs.ts';
import { eventually, startTestServer, type TestServer } from './testing/test-server.ts';
import { connectSocket } from './testing/ws-client.ts';
import { startTcpRelay } from './store/postgres/testing/tcp-relay.ts';
import { describeWithDatabase, queryRows } from './store/postgres/testing/test-database.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function started(server: Promise<TestServer>): Promise<TestServer> {
  const test = await server;
  cleanups.push(() => test.close());
  return test;
}

function eventsOf(messages: any[], runId: string): RunEvent[] {
  return messages.filter((message) => message.type === 'event' && message.event.runId === runId).map((message) => message.event);
}

async function statusOf(test: TestServer, runId: string, status: string): Promise<any> {
  return eventually(async () => {
    const state = (await test.api.get(`/api/runs/${runId}`)).body;
    return state?.status === status ? state : undefined;
  }, 15_000, `run ${runId} to be ${status}`);
}

describeWithDatabase('runs in database mode', (database) => {
  const children: ServerProcess[] = [];
  afterAll(async () => {
    for (const server of children) {
      if (server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGKILL');
        await server.exited;
      }
    }
  });

  it('keeps runs, events, the index and the pinned flow in the database, and replays a run by seq over the WebSocket', async () => {
    const test = await started(startTestServer({ config: { databaseUrl: database().url } }));
    const run = await test.api.post('/api/runs', { flow: echoFlow('db-echo'), inputs: { text: 'hi' } });
    expect(run.status).toBe(201);
    const { runId } = run.body;
    const state = await statusOf(test, runId, 'succeeded');
    expect(state.outputs).toEqual({ text: 'hi' });
    const log: RunEvent[] = (await test.api.get(`/api/runs/${runId}/events`)).body.events;
    expect(log.map((event) => event.seq)).toEqual(log.map((_, index) => index + 1));
    expect(log[0]).toMatchObject({ type: 'run.started', flow: echoFlow('db-echo') });
    await test.server.store.flush();
    expect((await test.api.get('/api/runs?flowId=db-echo')).body.runs).toEqual([expect.objectContaining({ runId, status: 'succeeded', inputsPreview: '{"text":"hi"}' })]);

    const stored = await queryRows<{ status: string; last_seq: number; pinned: string }>(database().url, 'SELECT status, last_seq, (SELECT document FROM pinned_flows WHERE hash = pinned_flow) AS pinned FROM runs WHERE run_id = $1', [runId]);
    expect(stored).toEqual([{ status: 'succeeded', last_seq: log.length, pinned: expect.any(String) }]);
    expect(JSON.parse(stored[0]!.pinned)).toEqual(echoFlow('db-echo'));
    expect(existsSync(join(test.dirs.dataDir, 'runs')) ? readdirSync(join(test.dirs.dataDir, 'runs')) : []).toEqual([]);

    const socket = await connectSocket(test.wsUrl);
    cleanups.push(() => socket.close());
    socket.send({ type: 'subscribe', runId, after: 2 });
    await socket.next((message) => message.type === 'event' && message.event.type === 'run.succeeded', 10_000);
    expect(eventsOf(socket.messages, runId)).toEqual(log.slice(2));
  });

  it('resumes a run after the server is killed with SIGKILL; the decision applies once; nothing runs twice', async () => {
    const dirs = makeTempDirs('weft-db-crash-');
    cleanups.push(() => dirs.remove());
    copyFileSync(join(REPO_ROOT, 'flows', 'invoice-approval.flow.json'), join(dirs.flowsDir, 'invoice-approval.flow.json'));
    const env = { WEFT_FLOWS_DIR: dirs.flowsDir, WEFT_DATA_DIR: dirs.dataDir, WEFT_DATABASE_URL: database().url };
    const spawn = async (): Promise<ServerProcess> => {
      const server = await spawnServer(env);
      children.push(server);
      return server;
    };
    const first = await spawn();
    const api1 = apiClient(first.port);
    // The flow is imported into the database the first time flows are read from it.
    const imported = await queryRows<{ flow_id: string }>(database().url, 'SELECT flow_id FROM flow_versions');
    if (imported.length === 0) expect((await api1.put('/api/flows/invoice-approval', (await import(join(REPO_ROOT, 'flows', 'invoice-approval.flow.json'), { with: { type: 'json' } })).default)).status).toBe(201);
    const invoice = { vendor: 'Unknown Ltd', amount: 5000, currency: 'EUR' };
    const run = await api1.post('/api/flows/invoice-approval/runs', { inputs: { invoice } });
    expect(run.status).toBe(201);
    const { runId } = run.body;
    const watcher = await connectSocket(`ws://127.0.0.1:${first.port}/ws`);
    watcher.send({ type: 'subscribe', runId, after: 0 });
    await watcher.next((message) => message.type === 'event' && message.event.type === 'step.waiting', 20_000);
    const seenBefore = eventsOf(watcher.messages, runId);
    const lastSeq = seenBefore.at(-1)!.seq;

    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    await watcher.closed(5_000);

    const second = await spawn();
    // The run only waits: no worker holds it, and the new server lists it from the database.
    const api2 = apiClient(second.port);
    expect((await api2.get('/api/approvals')).body.approvals).toEqual([expect.objectContaining({ runId, nodeId: 'manager' })]);
    const decisions = await Promise.all([
      api2.post(`/api/runs/${runId}/steps/manager/decision`, { decision: 'approve', payload: { ...invoice, amount: 4500 } }),
      api2.post(`/api/runs/${runId}/steps/manager/decision`, { decision: 'reject' }),
    ]);
    expect(decisions.map((response) => response.status).sort()).toEqual([200, 409]);

    const again = await connectSocket(`ws://127.0.0.1:${second.port}/ws`);
    again.send({ type: 'subscribe', runId, after: lastSeq });
    await again.next((message) => message.type === 'event' && (message.event.type === 'run.succeeded' || message.event.type === 'run.failed'), 20_000);
    const log: RunEvent[] = (await api2.get(`/api/runs/${runId}/events`)).body.events;
    expect([...seenBefore, ...eventsOf(again.messages, runId)]).toEqual(log);
    await again.close();
    expect(log.map((event) => event.seq)).toEqual(log.map((_, index) => index + 1));
    expect(log.filter((event) => event.type === 'step.decided')).toHaveLength(1);
    const starts: Record<string, number> = {};
    for (const event of log) if (event.type === 'step.started') starts[event.nodeId] = (starts[event.nodeId] ?? 0) + 1;
    expect(starts.manager).toBe(1);
    expect(starts.policy).toBe(1);
    expect(readdirSync(dirs.dataDir).filter((name) => name !== '.weft.lock')).toEqual([]);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 90_000);

  it('answers 503 for starts and decisions while the database is away, and serves them once it is back', async () => {
    const url = new URL(database().url);
    const relay = await startTcpRelay(url.hostname, Number(url.port || 5432));
    cleanups.push(() => relay.close());
    url.host = `127.0.0.1:${relay.port}`;
    const test = await started(startTestServer({ config: { databaseUrl: url.toString() } }));
    const waiting = await test.api.post('/api/runs', { flow: reviewFlow('db-review'), inputs: { text: 'check' } });
    expect(waiting.status).toBe(201);
    const { runId } = waiting.body;
    await statusOf(test, runId, 'waiting');

    relay.cut();
    const start = await test.api.post('/api/runs', { flow: echoFlow('db-away'), inputs: { text: 'hi' } });
    expect(start.status).toBe(503);
    expect(start.body.error.message).toMatch(/is unavailable/);
    const decision = await test.api.post(`/api/runs/${runId}/steps/review/decision`, { decision: 'approve' });
    expect(decision.status).toBe(503);

    relay.restore();
    const decided = await eventually(async () => {
      const response = await test.api.post(`/api/runs/${runId}/steps/review/decision`, { decision: 'approve' });
      return response.status === 503 ? undefined : response;
    }, 15_000, 'the decision to be taken');
    expect(decided.status).toBe(200);
    await statusOf(test, runId, 'succeeded');
    const log: RunEvent[] = (await test.api.get(`/api/runs/${runId}/events`)).body.events;
    expect(log.map((event) => event.seq)).toEqual(log.map((_, index) => index + 1));
    expect(log.filter((event) => event.type === 'step.decided')).toHaveLength(1);
    const after = await test.api.post('/api/runs', { flow: echoFlow('db-away'), inputs: { text: 'back' } });
    expect(after.status).toBe(201);
    await statusOf(test, after.body.runId, 'succeeded');
    expect((await queryRows(database().url, "SELECT 1 FROM runs WHERE flow_id = 'db-away'")).length).toBe(1);
  });
});
