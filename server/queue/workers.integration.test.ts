/**
 * Roles on one database, as separate processes: two API servers (WEFT_ROLE=api) and three
 * workers (`weft worker`). 100 runs of a flow with a model step (the simulated endpoint) and an
 * approval are started on server A; one worker is killed with SIGKILL while it holds runs; every
 * approval is decided on server B. Every run finishes, no step is recorded twice, every log is
 * gapless, and a WebSocket client of B saw every event of every run, in order and once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, expect, it } from 'vitest';
import type { RunEvent } from '../../shared/events.ts';
import { flow } from '../../shared/testing/flow-builder.ts';
import { describeWithDatabase, queryRows } from '../store/postgres/testing/test-database.ts';
import { apiClient } from '../testing/http-client.ts';
import { REPO_ROOT, spawnServer, type ServerProcess } from '../testing/server-process.ts';
import { makeTempDirs } from '../testing/temp-dirs.ts';
import { eventually } from '../testing/test-server.ts';
import { connectSocket } from '../testing/ws-client.ts';

const RUNS = 100;
const LEASE_TIMEOUT_MS = '1500';

interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<NodeJS.Signals | null>;
  output(): string;
}

async function spawnWorker(env: Record<string, string>): Promise<WorkerProcess> {
  const { OPENAI_API_KEY: _key, OPENAI_BASE_URL: _url, WEFT_CONFIG: _config, ...rest } = process.env;
  const child = spawn(process.execPath, [`${REPO_ROOT}bin/weft.mjs`, 'worker'], { cwd: REPO_ROOT, env: { ...rest, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  await eventually(() => /executing queued runs/.test(output) || undefined, 60_000, 'a worker to start');
  return { child, exited, output: () => output };
}

describeWithDatabase('two API servers and three workers on one database', (database) => {
  const processes: Array<{ child: ChildProcess; exited: Promise<unknown> }> = [];
  const dirs = makeTempDirs('weft-roles-');
  afterAll(async () => {
    for (const process of processes) {
      if (process.child.exitCode === null && process.child.signalCode === null) process.child.kill('SIGKILL');
      await process.exited;
    }
    dirs.remove();
  });

  it('finishes 100 runs with a model step and an approval decided on the other server, across a worker killed with SIGKILL', { timeout: 240_000 }, async () => {
    const env = { WEFT_DATABASE_URL: database().url, WEFT_LEASE_TIMEOUT_MS: LEASE_TIMEOUT_MS, WEFT_FLOWS_DIR: dirs.flowsDir, WEFT_SANDBOX_WORKERS: '1' };
    const servers: ServerProcess[] = [];
    for (const name of ['a', 'b']) {
      const server = await spawnServer({ ...env, WEFT_ROLE: 'api', WEFT_DATA_DIR: `${dirs.dataDir}/${name}` }, 60_000);
      processes.push(server);
      servers.push(server);
    }
    const [a, b] = [apiClient(servers[0]!.port), apiClient(servers[1]!.port)];
    const workers: WorkerProcess[] = [];
    for (let index = 0; index < 3; index++) {
      const worker = await spawnWorker({ ...env, WEFT_WORKER_CONCURRENCY: '4', WEFT_DATA_DIR: `${dirs.dataDir}/w${index}` });
      processes.push(worker);
      workers.push(worker);
    }
    expect((await b.get('/api/health')).body).toMatchObject({ role: 'api', store: 'postgres', workers: 3 });

    const watcher = await connectSocket(`ws://127.0.0.1:${servers[1]!.port}/ws`);
    watcher.send({ type: 'subscribe', runId: '*' });
    await watcher.next((message) => message.type === 'subscribed');

    const review = flow('roles-review', 'Summarise, then review')
      .input('ticket', { text: 'string' })
      .model('summary', { retries: 0 })
      .approval('review', { title: 'Send this summary?' })
      .output('result', { approved: 'any' })
      .wire('ticket.text', 'summary.text')
      .wire('summary.result', 'review.payload')
      .wire('review.approved', 'result.approved')
      .build();
    const runIds: string[] = [];
    for (let batch = 0; batch < RUNS; batch += 10) {
      const started = await Promise.all(Array.from({ length: 10 }, (_, index) => a.post('/api/runs', { flow: review, inputs: { text: `ticket ${batch + index}` } })));
      for (const response of started) {
        if (response.status !== 201) throw new Error(`a start answered ${response.status} ${JSON.stringify(response.body)}:\n${servers[0]!.output()}`);
        runIds.push(response.body.runId);
      }
    }

    // Kill a worker while it holds runs (its id names its pid).
    const victim = workers[0]!;
    const held = await eventually(async () => {
      const rows = await queryRows<{ run_id: string }>(database().url, `SELECT run_id FROM run_leases WHERE owner LIKE '%-' || $1 || '-%'`, [String(victim.child.pid)]);
      return rows.length > 0 ? rows.map((row) => row.run_id) : undefined;
    }, 60_000, 'the first worker to hold a run');
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toBe('SIGKILL');

    // Every approval is decided on B, which started none of the runs.
    const decided = new Set<string>();
    await eventually(async () => {
      const { approvals } = (await b.get('/api/approvals')).body as { approvals: Array<{ runId: string; nodeId: string }> };
      for (const approval of approvals) {
        if (decided.has(approval.runId)) continue;
        const answer = await b.post(`/api/runs/${approval.runId}/steps/${approval.nodeId}/decision`, { decision: 'approve' });
        expect(answer.status).toBe(200);
        decided.add(approval.runId);
      }
      return decided.size === RUNS || undefined;
    }, 180_000, `all ${RUNS} approvals to be decided on B`);

    const finished = await eventually(async () => {
      const states = await Promise.all(runIds.map(async (runId) => (await a.get(`/api/runs/${runId}`)).body.status as string));
      return states.every((status) => status === 'succeeded') ? states : undefined;
    }, 120_000, 'every run to succeed');
    expect(finished).toHaveLength(RUNS);

    await eventually(() => watcher.messages.filter((message) => message.type === 'event' && message.event.type === 'run.succeeded').length >= RUNS || undefined, 30_000, "B's client to see every run end");
    const seenOnB = new Map<string, RunEvent[]>();
    for (const message of watcher.messages) if (message.type === 'event') seenOnB.set(message.event.runId, [...(seenOnB.get(message.event.runId) ?? []), message.event]);
    for (const runId of runIds) {
      const log: RunEvent[] = (await a.get(`/api/runs/${runId}/events`)).body.events;
      expect(log.map((event) => event.seq)).toEqual(log.map((_, index) => index + 1));
      const succeeded = log.flatMap((event) => (event.type === 'step.succeeded' ? [event.nodeId] : []));
      expect(succeeded).toEqual([...new Set(succeeded)]);
      expect(succeeded).toEqual(expect.arrayContaining(['summary', 'review']));
      expect(log.filter((event) => event.type === 'step.decided')).toHaveLength(1);
      expect(log.at(-1)).toMatchObject({ type: 'run.succeeded' });
      // The client of B saw the run's whole log live, in order, nothing twice.
      expect(seenOnB.get(runId)).toEqual(log);
    }
    // The runs the killed worker held went on elsewhere.
    for (const runId of held) expect(runIds).toContain(runId);
    await watcher.close();
  });
});
