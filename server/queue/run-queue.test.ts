/**
 * Runs handed to workers (database mode): an `api` server records a run and its job in one
 * transaction and executes nothing; a worker executes it; a decision or a cancel taken on another
 * server applies exactly once; a worker killed with SIGKILL mid-step loses nothing (its lease
 * expires, another worker continues the run and the cut-off step runs again as its next attempt).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, expect, it } from 'vitest';
import type { RunEvent } from '../../shared/events.ts';
import { flow } from '../../shared/testing/flow-builder.ts';
import { startWorker, type RunningWorker } from '../main.ts';
import { startFakeOpenAIServer, textReply } from '../providers/testing/fake-openai-server.ts';
import { describeWithDatabase, queryRows } from '../store/postgres/testing/test-database.ts';
import { echoFlow, reviewFlow } from '../testing/fixture-flows.ts';
import { REPO_ROOT } from '../testing/server-process.ts';
import { eventually, startTestServer, type TestServer } from '../testing/test-server.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function apiServer(url: string): Promise<TestServer> {
  const test = await startTestServer({ config: { databaseUrl: url, role: 'api' } });
  cleanups.push(() => test.close());
  return test;
}

async function worker(url: string, env: Record<string, string> = {}, leaseTimeoutMs = 1_000): Promise<RunningWorker> {
  const started = await startWorker({ env, simulatedChunkDelayMs: 0, sandboxPoolSize: 1, log: () => undefined, config: { databaseUrl: url, leaseTimeoutMs } });
  cleanups.push(() => started.close());
  return started;
}

/** `npx weft worker` as a process of its own (to be killed), once it says it is executing queued runs. */
async function workerProcess(url: string, env: Record<string, string>): Promise<{ child: ChildProcess; exited: Promise<NodeJS.Signals | null> }> {
  const child = spawn(process.execPath, [`${REPO_ROOT}bin/weft.mjs`, 'worker'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, WEFT_DATABASE_URL: url, WEFT_LEASE_TIMEOUT_MS: '1000', WEFT_CONFIG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await eventually(() => /executing queued runs/.test(output) || undefined, 30_000, `the worker to start:\n${output}`);
  return { child, exited };
}

async function statusOf(test: TestServer, runId: string, status: string, timeoutMs = 20_000): Promise<any> {
  return eventually(async () => {
    const state = (await test.api.get(`/api/runs/${runId}`)).body;
    return state?.status === status ? state : undefined;
  }, timeoutMs, `run ${runId} to be ${status}`);
}

async function logOf(test: TestServer, runId: string): Promise<RunEvent[]> {
  return (await test.api.get(`/api/runs/${runId}/events`)).body.events;
}

function expectGapless(log: RunEvent[]): void {
  expect(log.map((event) => event.seq)).toEqual(log.map((_, index) => index + 1));
}

describeWithDatabase('runs handed to workers', (database) => {
  it('records a run and its job in one go on an api server, which executes nothing; a worker executes it', async () => {
    const api = await apiServer(database().url);
    expect((await api.api.get('/api/health')).body).toMatchObject({ store: 'postgres', role: 'api', workers: 0 });
    const run = await api.api.post('/api/runs', { flow: echoFlow('queued-echo'), inputs: { text: 'hi' } });
    expect(run.status).toBe(201);
    const { runId } = run.body;
    expect(api.server.runs.liveRunIds()).toEqual([]);
    expect(await queryRows(database().url, 'SELECT type FROM run_events WHERE run_id = $1', [runId])).toEqual([{ type: 'run.started' }]);
    expect(await queryRows(database().url, 'SELECT key FROM graphile_worker.jobs WHERE key = $1', [`weft.run:${runId}`])).toEqual([{ key: `weft.run:${runId}` }]);
    expect(await queryRows(database().url, 'SELECT owner FROM run_leases WHERE run_id = $1', [runId])).toEqual([{ owner: null }]);
    expect((await api.api.get('/api/runs?flowId=queued-echo')).body.runs).toEqual([expect.objectContaining({ runId, status: 'running' })]);

    await worker(database().url);
    const state = await statusOf(api, runId, 'succeeded');
    expect(state.outputs).toEqual({ text: 'hi' });
    expectGapless(await logOf(api, runId));
    expect((await api.api.get('/api/health')).body).toMatchObject({ role: 'api', workers: 1 });
    await eventually(async () => (await queryRows(database().url, 'SELECT 1 FROM run_leases WHERE run_id = $1', [runId])).length === 0 || undefined, 5_000, 'the lease to go');
    expect(await queryRows(database().url, 'SELECT 1 FROM graphile_worker.jobs WHERE key = $1', [`weft.run:${runId}`])).toEqual([]);
  });

  it('takes a decision on a server that did not start the run exactly once, and cancels across servers', { timeout: 60_000 }, async () => {
    const first = await apiServer(database().url);
    const second = await apiServer(database().url);
    await worker(database().url);
    const started = await first.api.post('/api/runs', { flow: reviewFlow('queued-review'), inputs: { text: 'check' } });
    expect(started.status).toBe(201);
    const { runId } = started.body;
    await statusOf(first, runId, 'waiting');
    // The worker let go of the waiting run: no lease, no job.
    await eventually(async () => (await queryRows(database().url, 'SELECT 1 FROM run_leases WHERE run_id = $1', [runId])).length === 0 || undefined, 5_000, 'the lease to go');

    expect((await second.api.post(`/api/runs/${runId}/steps/review/decision`, { decision: 'maybe' })).status).toBe(400);
    const decisions = await Promise.all([
      second.api.post(`/api/runs/${runId}/steps/review/decision`, { decision: 'approve' }),
      second.api.post(`/api/runs/${runId}/steps/review/decision`, { decision: 'reject', comment: 'no' }),
    ]);
    expect(decisions.map((response) => response.status).sort()).toEqual([200, 409]);
    expect((await first.api.post(`/api/runs/${runId}/steps/review/decision`, { decision: 'reject' })).status).toBe(409);
    await statusOf(second, runId, 'succeeded');
    const log = await logOf(first, runId);
    expectGapless(log);
    expect(log.filter((event) => event.type === 'step.decided')).toHaveLength(1);
    expect(log.filter((event) => event.type === 'step.started' && event.nodeId === 'review')).toHaveLength(1);

    const other = (await first.api.post('/api/runs', { flow: reviewFlow('queued-review'), inputs: { text: 'stop me' } })).body.runId;
    await statusOf(first, other, 'waiting');
    const cancelled = await second.api.post(`/api/runs/${other}/cancel`, { by: 'ops' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ runId: other, status: 'cancelled' });
    expect((await first.api.post(`/api/runs/${other}/cancel`)).status).toBe(409);
    const cancelledLog = await logOf(first, other);
    expectGapless(cancelledLog);
    expect(cancelledLog.at(-1)).toMatchObject({ type: 'run.cancelled', by: 'ops' });
  });

  it('continues the runs of a worker killed with SIGKILL on another worker; the cut-off step runs again as its next attempt, nothing is recorded twice', async () => {
    const fake = await startFakeOpenAIServer();
    cleanups.push(() => fake.close());
    const env = { OPENAI_API_KEY: 'sk-test-queue', OPENAI_BASE_URL: fake.baseURL };
    const api = await apiServer(database().url);
    // The first worker's model call never answers: it is killed in the middle of it.
    fake.reply({ kind: 'hang' });
    const { child, exited } = await workerProcess(database().url, env);

    const ask = flow('queued-ask', 'Ask').input('ticket', { text: 'string' }).model('ask', { retries: 0 }).output('result', { answer: 'string' }).wire('ticket.text', 'ask.text').wire('ask.result', 'result.answer').build();
    const started = await api.api.post('/api/runs', { flow: ask, inputs: { text: 'hello' } });
    expect(started.status).toBe(201);
    const { runId } = started.body;
    await fake.waitForRequests(1);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    fake.reply(textReply('hello back'));
    await worker(database().url, env);
    const state = await statusOf(api, runId, 'succeeded', 30_000);
    expect(state.outputs).toEqual({ answer: 'hello back' });
    const log = await logOf(api, runId);
    expectGapless(log);
    const attempts = log.filter((event) => event.type === 'step.started' && event.nodeId === 'ask');
    expect(attempts.map((event) => (event as { attempt?: number }).attempt)).toEqual([1, 2]);
    expect(log.filter((event) => event.type === 'step.succeeded' && event.nodeId === 'ask')).toHaveLength(1);
    expect(fake.requests).toHaveLength(2);
  }, 90_000);

  it('continues a child run (subflow) of a worker killed with SIGKILL: the parent taken over goes back to the same child, started once', async () => {
    const fake = await startFakeOpenAIServer();
    cleanups.push(() => fake.close());
    const env = { OPENAI_API_KEY: 'sk-test-queue', OPENAI_BASE_URL: fake.baseURL };
    const api = await apiServer(database().url);
    const ask = flow('queued-child-ask', 'Ask').input('ticket', { text: 'string' }).model('ask', { retries: 0 }).output('result', { answer: 'string' }).wire('ticket.text', 'ask.text').wire('ask.result', 'result.answer').build();
    expect((await api.api.put(`/api/flows/${ask.id}`, ask)).status).toBeLessThan(300);
    const parent = flow('queued-parent', 'Parent')
      .input('in', { text: 'string' })
      .node({ id: 'call', kind: 'subflow', config: { flow: ask.id } })
      .output('out', { answer: 'string' })
      .wire('in.text', 'call.text')
      .wire('call.answer', 'out.answer')
      .build();
    fake.reply({ kind: 'hang' });
    const { child, exited } = await workerProcess(database().url, env);

    const started = await api.api.post('/api/runs', { flow: parent, inputs: { text: 'hello' } });
    expect(started.status).toBe(201);
    const { runId } = started.body;
    // The child's model call hangs: the worker is killed in the middle of it.
    await fake.waitForRequests(1);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    fake.reply(textReply('hello back'));
    await worker(database().url, env);
    const state = await statusOf(api, runId, 'succeeded', 30_000);
    expect(state.outputs).toEqual({ answer: 'hello back' });
    const parentLog = await logOf(api, runId);
    expectGapless(parentLog);
    const named = parentLog.filter((event) => event.type === 'step.child').map((event) => (event as { childRunId: string }).childRunId);
    expect(named).toHaveLength(2);
    expect(new Set(named).size).toBe(1);
    const childLog = await logOf(api, named[0]!);
    expectGapless(childLog);
    expect(childLog.filter((event) => event.type === 'run.started')).toHaveLength(1);
    expect(childLog.filter((event) => event.type === 'step.started' && event.nodeId === 'ask').map((event) => (event as { attempt?: number }).attempt)).toEqual([1, 2]);
    expect(childLog.at(-1)).toMatchObject({ type: 'run.succeeded' });
    expect(fake.requests).toHaveLength(2);
  }, 120_000);
});
