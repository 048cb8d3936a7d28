/**
 * The server as a separate process: run the invoice example (input -> code -> approval -> output)
 * to its approval, SIGKILL the server, start it again on the same data, decide over REST, and see
 * the run succeed with no step run twice; a WebSocket client reconnecting with its last seq gets
 * exactly the events it missed.
 */
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../shared/events.ts';
import { LOCK_FILE_NAME } from './store/data-lock.ts';
import { apiClient } from './testing/http-client.ts';
import { REPO_ROOT, spawnServer, type ServerProcess } from './testing/server-process.ts';
import { makeTempDirs } from './testing/temp-dirs.ts';
import { eventually } from './testing/test-server.ts';
import { connectSocket } from './testing/ws-client.ts';

const dirs = makeTempDirs('weft-crash-');
const children: ServerProcess[] = [];
const env = { WEFT_FLOWS_DIR: dirs.flowsDir, WEFT_DATA_DIR: dirs.dataDir };

afterAll(async () => {
  for (const server of children) {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
  }
  dirs.remove();
});

async function spawn(): Promise<ServerProcess> {
  const server = await spawnServer(env);
  children.push(server);
  return server;
}

function eventsOf(messages: any[], runId: string): RunEvent[] {
  return messages.filter((message) => message.type === 'event' && message.event.runId === runId).map((message) => message.event);
}

describe('a server killed with SIGKILL at an approval', () => {
  it('resumes the run on restart; the decision completes it; nothing runs twice; WebSocket replay fills the gap exactly', async () => {
    copyFileSync(join(REPO_ROOT, 'flows', 'invoice-approval.flow.json'), join(dirs.flowsDir, 'invoice-approval.flow.json'));
    const first = await spawn();
    await eventually(() => (/Model calls are SIMULATED/.test(first.output()) ? true : undefined), 5_000, 'the SIMULATED notice');
    const api1 = apiClient(first.port);
    const invoice = { vendor: 'Unknown Ltd', amount: 5000, currency: 'EUR' };
    const started = await api1.post('/api/flows/invoice-approval/runs', { inputs: { invoice } });
    expect(started.status).toBe(201);
    const { runId } = started.body;

    // A client watching the run until it waits for the manager.
    const watcher = await connectSocket(`ws://127.0.0.1:${first.port}/ws`);
    watcher.send({ type: 'subscribe', runId, after: 0 });
    await watcher.next((message) => message.type === 'event' && message.event.type === 'step.waiting', 20_000);
    const seenBefore = eventsOf(watcher.messages, runId);
    const lastSeq = seenBefore.at(-1)!.seq;
    expect(seenBefore.map((event) => event.seq)).toEqual(seenBefore.map((_, index) => index + 1));

    // A second server on the same data directory refuses to start, naming the first one's pid.
    const refused = await spawnServer(env).then(
      () => undefined,
      (error: { code: number; output: string }) => error,
    );
    expect(refused?.code).toBe(1);
    expect(refused?.output).toContain(`another Weft server (pid ${first.child.pid}) is using the data directory`);

    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    await watcher.closed(5_000);
    expect(existsSync(join(dirs.dataDir, LOCK_FILE_NAME))).toBe(true); // left behind by the killed process

    const second = await spawn();
    const api2 = apiClient(second.port);
    const waiting = await eventually(async () => {
      const state = (await api2.get(`/api/runs/${runId}`)).body;
      return state?.status === 'waiting' ? state : undefined;
    });
    expect(waiting.steps.manager.request.payload).toEqual({ ...invoice, reason: 'vendor "Unknown Ltd" is not on the known list' });
    expect((await api2.get('/api/approvals')).body.approvals).toEqual([expect.objectContaining({ runId, nodeId: 'manager' })]);

    const decision = await api2.post(`/api/runs/${runId}/steps/manager/decision`, { decision: 'approve', payload: { ...invoice, amount: 4500 }, comment: 'negotiated' });
    expect(decision.status).toBe(200);

    // The watcher reconnects with the last seq it saw.
    const again = await connectSocket(`ws://127.0.0.1:${second.port}/ws`);
    again.send({ type: 'subscribe', runId, after: lastSeq });
    await again.next((message) => message.type === 'event' && message.event.type === 'run.succeeded', 20_000);
    const missed = eventsOf(again.messages, runId);
    const log: RunEvent[] = (await api2.get(`/api/runs/${runId}/events`)).body.events;
    expect(missed.map((event) => event.seq)).toEqual(log.slice(lastSeq).map((event) => event.seq));
    expect([...seenBefore, ...missed]).toEqual(log);
    await again.close();

    const state = (await api2.get(`/api/runs/${runId}`)).body;
    expect(state.status).toBe('succeeded');
    expect(state.outputs).toEqual({ approved: { ...invoice, amount: 4500 } });
    const starts: Record<string, number> = {};
    for (const event of log) if (event.type === 'step.started') starts[event.nodeId] = (starts[event.nodeId] ?? 0) + 1;
    expect(starts).toEqual({ invoice: 1, policy: 1, manager: 1, decision: 1 });

    // A graceful stop flushes and releases the lock.
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    expect(existsSync(join(dirs.dataDir, LOCK_FILE_NAME))).toBe(false);
  }, 90_000);
});
