/**
 * Resuming many waiting runs at start-up, with the RunManager and a real RunsStore in a temporary
 * data directory: logs are read several at a time, and runs that pinned the same flow share one
 * flow object (so the engine hashes and compiles it once).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { flowHash } from '../shared/canonical.ts';
import type { Flow } from '../shared/flow.ts';
import { executors } from './executors/index.ts';
import { RunManager } from './run-manager.ts';
import { RunsStore } from './store/runs-store.ts';
import { reviewFlow } from './testing/fixture-flows.ts';
import { makeTempDirs, type TempDirs } from './testing/temp-dirs.ts';
import { eventually } from './testing/test-server.ts';

const opened: RunsStore[] = [];
const dirsToRemove: TempDirs[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
  for (const dirs of dirsToRemove.splice(0)) dirs.remove();
});

async function open(dataDir: string, log: string[] = []): Promise<{ store: RunsStore; runs: RunManager }> {
  const store = await RunsStore.open({ dataDir, log: (line) => log.push(line) });
  opened.push(store);
  return { store, runs: new RunManager({ store, executors, services: {}, log: (line) => log.push(line) }) };
}

async function close(store: RunsStore): Promise<void> {
  opened.splice(opened.indexOf(store), 1);
  await store.close();
}

/** A data directory with runs waiting at their approval: `counts` runs of each flow. */
async function waitingRuns(flows: Array<[Flow, number]>): Promise<{ dataDir: string; runIds: Map<Flow, string[]> }> {
  const dirs = makeTempDirs();
  dirsToRemove.push(dirs);
  const { store, runs } = await open(dirs.dataDir);
  const runIds = new Map<Flow, string[]>();
  for (const [flow, count] of flows) {
    const started = await Promise.all(Array.from({ length: count }, (_, index) => runs.start(flow, { text: `text ${index}` })));
    runIds.set(flow, started.map((run) => run.runId));
  }
  const total = flows.reduce((sum, [, count]) => sum + count, 0);
  await eventually(() => (runs.approvals().length === total ? true : undefined), 10_000, `${total} runs waiting`);
  await store.flush();
  await close(store);
  return { dataDir: dirs.dataDir, runIds };
}

describe('RunManager.resumeAll', () => {
  it('resumes every waiting run; runs of the same flow share one flow object, other flows keep their own', async () => {
    const shared = reviewFlow();
    const edited = { ...reviewFlow(), name: 'Review a text, edited later' };
    const { dataDir, runIds } = await waitingRuns([
      [shared, 60],
      [edited, 5],
    ]);
    const log: string[] = [];
    const { runs } = await open(dataDir, log);
    const { resumed, failed } = await runs.resumeAll();
    expect(failed).toEqual([]);
    expect(resumed.sort()).toEqual([...runIds.get(shared)!, ...runIds.get(edited)!].sort());
    expect(runs.approvals()).toHaveLength(65);
    expect(log).toEqual([]);

    const statesOf = async (flow: Flow) => Promise.all(runIds.get(flow)!.map(async (runId) => (await runs.state(runId))!));
    const sharedStates = await statesOf(shared);
    const editedStates = await statesOf(edited);
    const sharedFlow = sharedStates[0]!.flow!;
    expect(sharedStates.every((state) => state.status === 'waiting' && state.flow === sharedFlow)).toBe(true);
    expect(sharedFlow).toEqual(shared);
    expect(editedStates.every((state) => state.flow === editedStates[0]!.flow)).toBe(true);
    expect(editedStates[0]!.flow).not.toBe(sharedFlow);
    expect(editedStates[0]!.flow!.name).toBe('Review a text, edited later');
    expect(flowHash(editedStates[0]!.flow!)).toBe(editedStates[0]!.flowHash);

    // Each resumed run still runs its own course on the shared flow.
    const [first, second] = runIds.get(shared)!;
    // A decision is answered once step.decided is on disk; its effect (and the steps after it) follow.
    expect((await runs.decide(first!, 'review', { decision: 'approve', by: 'test' })).steps.review!.decision).toMatchObject({ by: 'test', answer: { decision: 'approve' } });
    expect((await runs.decide(second!, 'review', { decision: 'reject', by: 'test', comment: 'no' })).steps.review!.decision).toMatchObject({ by: 'test', answer: { decision: 'reject', comment: 'no' } });
    await eventually(async () => ((await runs.state(first!))!.status === 'succeeded' && (await runs.state(second!))!.status === 'succeeded') || undefined);
    expect((await runs.state(first!))!.outputs).toEqual({ approved: 'text 0' });
    expect((await runs.state(second!))!.outputs).toEqual({ rejected: 'no' });
    expect(runs.approvals()).toHaveLength(63);
  }, 30_000);

  it('does not share a pinned flow whose recorded hash does not match it, and says so', async () => {
    const { dataDir, runIds } = await waitingRuns([[reviewFlow(), 3]]);
    const ids = [...runIds.values()][0]!;
    const tampered = ids[0]!;
    const path = join(dataDir, 'runs', `${tampered}.jsonl`);
    writeFileSync(path, readFileSync(path, 'utf8').replace('"name":"Review a text"', '"name":"Tampered"'));
    const log: string[] = [];
    const { runs } = await open(dataDir, log);
    const { resumed } = await runs.resumeAll();
    expect(resumed).toHaveLength(3);
    expect(log.join('\n')).toMatch(new RegExp(`run ${tampered}: the pinned flow does not match its recorded hash`));
    const states = await Promise.all(ids.map(async (runId) => (await runs.state(runId))!));
    const tamperedState = states.find((state) => state.runId === tampered)!;
    expect(tamperedState.flow!.name).toBe('Tampered');
    expect(states.filter((state) => state.flow === tamperedState.flow)).toHaveLength(1);
  });
});
