/**
 * Child runs across a crash: the server as a separate process, SIGKILLed while child runs wait at
 * their approvals, started again on the same data. The parent's step goes back to each child by
 * its deterministic id (resumed from its log, or its end read back) instead of starting another;
 * no child's code step runs twice.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serializeFlow } from '../../shared/canonical.ts';
import type { RunEvent } from '../../shared/events.ts';
import type { Flow } from '../../shared/flow.ts';
import { childRunId } from '../executors/children/child-run-id.ts';
import { apiClient, type ApiClient } from '../testing/http-client.ts';
import { spawnServer, type ServerProcess } from '../testing/server-process.ts';
import { makeTempDirs } from '../testing/temp-dirs.ts';
import { eventually } from '../testing/test-server.ts';
import { mapParent, subflowParent } from './testing/compose-flows.ts';
import { approvedShoutFlow } from './testing/server-flows.ts';

const servers: ServerProcess[] = [];
const allDirs: Array<ReturnType<typeof makeTempDirs>> = [];
/** Each test has data and flows directories of its own. */
let dirs: ReturnType<typeof makeTempDirs>;

function freshDirs(): void {
  dirs = makeTempDirs('weft-child-crash-');
  allDirs.push(dirs);
}

afterAll(async () => {
  for (const server of servers) {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
  }
  for (const made of allDirs) made.remove();
});

function save(flow: Flow): void {
  writeFileSync(join(dirs.flowsDir, `${flow.id}.flow.json`), serializeFlow(flow));
}

async function spawn(): Promise<{ server: ServerProcess; api: ApiClient }> {
  const server = await spawnServer({ WEFT_FLOWS_DIR: dirs.flowsDir, WEFT_DATA_DIR: dirs.dataDir });
  servers.push(server);
  return { server, api: apiClient(server.port) };
}

async function kill(server: ServerProcess): Promise<void> {
  server.child.kill('SIGKILL');
  expect((await server.exited).signal).toBe('SIGKILL');
}

async function eventsOf(api: ApiClient, runId: string): Promise<RunEvent[]> {
  return (await api.get(`/api/runs/${runId}/events`)).body.events;
}

async function waitingChildren(api: ApiClient, count: number): Promise<string[]> {
  return eventually(async () => {
    const approvals: Array<{ runId: string }> = (await api.get('/api/approvals')).body.approvals;
    return approvals.length === count ? approvals.map((item) => item.runId).sort() : undefined;
  }, 60_000, `${count} child runs waiting`);
}

async function ended(api: ApiClient, runId: string) {
  return eventually(async () => {
    const state = (await api.get(`/api/runs/${runId}`)).body;
    return state.status !== 'running' && state.status !== 'waiting' ? state : undefined;
  }, 60_000, `run ${runId} to end`);
}

/** How often each node of a run's log started. */
function starts(events: RunEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of events) if (event.type === 'step.started') counts[event.nodeId] = (counts[event.nodeId] ?? 0) + 1;
  return counts;
}

describe('child runs when the server is killed', () => {
  it('a subflow goes back to its waiting child after a restart; the decision completes child and parent', async () => {
    freshDirs();
    save(approvedShoutFlow());
    save(subflowParent());
    const first = await spawn();
    const { runId } = (await first.api.post('/api/flows/parent/runs', { inputs: { text: 'go' } })).body;
    const childId = childRunId(runId, 'call');
    expect(await waitingChildren(first.api, 1)).toEqual([childId]);
    await kill(first.server);

    const second = await spawn();
    expect(await waitingChildren(second.api, 1)).toEqual([childId]);
    // The inbox names the run that waits on the child.
    expect((await second.api.get('/api/approvals')).body.approvals[0]).toMatchObject({ runId: childId, nodeId: 'check', parent: { runId, flowId: 'parent', nodeId: 'call' }, topRunId: runId });
    expect((await second.api.post(`/api/runs/${childId}/steps/check/decision`, { decision: 'approve' })).status).toBe(200);
    expect(await ended(second.api, runId)).toMatchObject({ status: 'succeeded', outputs: { shout: 'GOgo' } });

    const parentLog = await eventsOf(second.api, runId);
    // The step ran again after the restart and named the same child both times.
    expect(parentLog.filter((event) => event.type === 'step.child').map((event) => event.type === 'step.child' && event.childRunId)).toEqual([childId, childId]);
    expect(starts(parentLog).call).toBe(2);
    const childLog = await eventsOf(second.api, childId);
    expect(childLog.filter((event) => event.type === 'run.started')).toHaveLength(1);
    expect(starts(childLog)).toEqual({ in: 1, upper: 1, check: 1, out: 1 });
    const children = (await second.api.get('/api/runs?flowId=shout')).body.runs;
    expect(children.map((entry: { runId: string }) => entry.runId)).toEqual([childId]);
    second.server.child.kill('SIGTERM');
    await second.server.exited;
  }, 180_000);

  it('a map in the middle (one item done, three waiting, one not started) reuses, resumes and starts the right children', async () => {
    freshDirs();
    save(approvedShoutFlow());
    save(mapParent({ concurrency: 3 }));
    const first = await spawn();
    const { runId } = (await first.api.post('/api/flows/mapper/runs', { inputs: { texts: ['a', 'b', 'c', 'd', 'e'], suffix: '!' } })).body;
    const ids = [0, 1, 2, 3, 4].map((index) => childRunId(runId, 'each', index));
    const [zero, one, two, three, four] = ids as [string, string, string, string, string];
    expect(await waitingChildren(first.api, 3)).toEqual([zero, one, two].sort());
    expect((await first.api.post(`/api/runs/${zero}/steps/check/decision`, { decision: 'approve' })).status).toBe(200);
    // Item 0 done; item 3 took its place and waits too; item 4 has not started.
    expect(await waitingChildren(first.api, 3)).toEqual([one, two, three].sort());
    expect((await ended(first.api, zero)).status).toBe('succeeded');
    await kill(first.server);

    const second = await spawn();
    expect(await waitingChildren(second.api, 3)).toEqual([one, two, three].sort());
    expect((await second.api.get(`/api/runs/${four}`)).status).toBe(404);
    for (const id of [one, two, three]) expect((await second.api.post(`/api/runs/${id}/steps/check/decision`, { decision: 'approve' })).status).toBe(200);
    expect(await waitingChildren(second.api, 1)).toEqual([four]);
    expect((await second.api.post(`/api/runs/${four}/steps/check/decision`, { decision: 'approve' })).status).toBe(200);
    const state = await ended(second.api, runId);
    expect(state).toMatchObject({ status: 'succeeded', outputs: { results: [{ shout: 'A!' }, { shout: 'B!' }, { shout: 'C!' }, { shout: 'D!' }, { shout: 'E!' }] } });

    for (const id of ids) {
      const log = await eventsOf(second.api, id);
      expect(log.filter((event) => event.type === 'run.started')).toHaveLength(1);
      expect(starts(log)).toEqual({ in: 1, upper: 1, check: 1, out: 1 });
    }
    const children = (await second.api.get('/api/runs?flowId=shout')).body.runs;
    expect(children.map((entry: { runId: string }) => entry.runId).sort()).toEqual([...ids].sort());
    second.server.child.kill('SIGTERM');
    await second.server.exited;
  }, 180_000);
});
