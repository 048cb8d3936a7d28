/**
 * Child runs on the server: the RunManager over a real RunsStore in a temporary data directory,
 * the real executors and sandbox. Each child is a stored run of its own (log, index entry,
 * approvals), linked to its parent both ways, inheriting its origin; cancelling the parent
 * cancels it, recorded in its log.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../shared/events.ts';
import { executors } from '../executors/index.ts';
import { RunManager } from '../run-manager.ts';
import { createRuntimeServices } from '../runtime-services.ts';
import { RunsStore } from '../store/runs-store.ts';
import { makeTempDirs, type TempDirs } from '../testing/temp-dirs.ts';
import { eventually } from '../testing/test-server.ts';
import { childRunId } from '../executors/children/child-run-id.ts';
import { flow as flowBuilder } from '../../shared/testing/flow-builder.ts';
import { providerConfigFrom } from '../providers/config.ts';
import { createModelService } from '../providers/openai-model-service.ts';
import { startFakeOpenAIServer, textReply } from '../providers/testing/fake-openai-server.ts';
import { costSourceOf } from '../spend/open-spend-ledger.ts';
import { readCostRecords } from '../spend/read-cost-records.ts';
import { mapParent, prepared, subflowParent } from './testing/compose-flows.ts';
import { approvedShoutFlow, sandboxShoutFlow } from './testing/server-flows.ts';

let runtime: Awaited<ReturnType<typeof createRuntimeServices>>;
const opened: Array<{ store: RunsStore; dirs: TempDirs }> = [];

beforeAll(async () => {
  runtime = await createRuntimeServices({ env: {}, sandboxPoolSize: 1, simulatedChunkDelayMs: 0 });
});
afterAll(() => runtime.close());
afterEach(async () => {
  for (const { store, dirs } of opened.splice(0)) {
    await store.close();
    dirs.remove();
  }
});

async function manager(): Promise<{ runs: RunManager; store: RunsStore }> {
  const dirs = makeTempDirs();
  const store = await RunsStore.open({ dataDir: dirs.dataDir, log: () => {} });
  opened.push({ store, dirs });
  return { runs: new RunManager({ store, executors, services: runtime.services, log: () => {} }), store };
}

async function ended(runs: RunManager, runId: string): Promise<string> {
  return eventually(async () => {
    const state = await runs.state(runId);
    return state && state.status !== 'running' && state.status !== 'waiting' ? state.status : undefined;
  }, 30_000, `run ${runId} to end`);
}

describe('child runs on the server', () => {
  it('a subflow runs its child as a stored run of its own, linked both ways, its origin inherited', async () => {
    const { runs, store } = await manager();
    const { flow, link } = await prepared(subflowParent(), [sandboxShoutFlow()]);
    const { runId } = await runs.start(flow, { text: 'hi' }, { flows: link.flows!, origin: { type: 'designer' } });
    expect(await ended(runs, runId)).toBe('succeeded');
    expect((await runs.state(runId))!.outputs).toEqual({ shout: 'HIhi' });

    const parentEvents = (await store.readEvents(runId))!;
    const named = parentEvents.filter((event) => event.type === 'step.child');
    const childId = childRunId(runId, 'call');
    expect(named).toEqual([expect.objectContaining({ nodeId: 'call', childRunId: childId, flowId: 'shout' })]);
    const childEvents = (await store.readEvents(childId))!;
    expect(childEvents[0]).toMatchObject({ type: 'run.started', runId: childId, flowId: 'shout', parentRunId: runId, parentNodeId: 'call', depth: 1, origin: { type: 'designer' } });
    expect(childEvents.at(-1)).toMatchObject({ type: 'run.succeeded', outputs: { shout: 'HIhi' } });
    // The parent names the child before the child's log begins.
    const childNamedAt = parentEvents.find((event) => event.type === 'step.child')!.at;
    expect(childNamedAt <= childEvents[0]!.at).toBe(true);
    expect(runs.list().map((entry) => entry.runId).sort()).toEqual([runId, childId].sort());
    expect((await runs.state(childId))!.parent).toEqual({ runId, nodeId: 'call' });
  });

  it('a map runs one stored child per item, in item order', async () => {
    const { runs, store } = await manager();
    const { flow, link } = await prepared(mapParent(), [sandboxShoutFlow()]);
    const { runId } = await runs.start(flow, { texts: ['a', 'b', 'c'], suffix: '!' }, { flows: link.flows! });
    expect(await ended(runs, runId)).toBe('succeeded');
    expect((await runs.state(runId))!.outputs).toEqual({ results: [{ shout: 'A!' }, { shout: 'B!' }, { shout: 'C!' }] });
    for (const index of [0, 1, 2]) {
      const events = (await store.readEvents(childRunId(runId, 'each', index)))!;
      expect(events[0]).toMatchObject({ type: 'run.started', parentRunId: runId, parentNodeId: 'each', itemIndex: index });
      expect(events.at(-1)!.type).toBe('run.succeeded');
    }
  });

  it("a child's approval is answered through the manager, and the parent then finishes", async () => {
    const { runs } = await manager();
    const { flow, link } = await prepared(subflowParent(), [approvedShoutFlow()]);
    const { runId } = await runs.start(flow, { text: 'ok' }, { flows: link.flows! });
    const childId = childRunId(runId, 'call');
    const pending = await eventually(() => runs.approvals().find((item) => item.runId === childId), 30_000, 'the child to wait');
    expect(pending).toMatchObject({ nodeId: 'check', flowId: 'shout', parent: { runId, flowId: 'parent', flowName: 'Parent', nodeId: 'call' }, topRunId: runId });
    expect((await runs.state(runId))!.status).toBe('running');
    await runs.decide(childId, 'check', { decision: 'approve', by: 'ana' });
    expect(await ended(runs, runId)).toBe('succeeded');
    expect((await runs.state(runId))!.outputs).toEqual({ shout: 'OKok' });
  });

  it("an approval two levels down names its parent run and step, and the top-level run", async () => {
    const { runs } = await manager();
    const middle = { ...subflowParent(), id: 'middle', name: 'Middle' };
    const top = flowBuilder('top', 'Top')
      .input('in', { text: 'string' })
      .node({ id: 'inner', kind: 'subflow', config: { flow: 'middle' } })
      .output('out', { shout: 'string' })
      .wire('in.text', 'inner.text')
      .wire('inner.shout', 'out.shout')
      .build();
    const { flow, link } = await prepared(top, [middle, approvedShoutFlow()]);
    const { runId } = await runs.start(flow, { text: 'deep' }, { flows: link.flows! });
    const middleId = childRunId(runId, 'inner');
    const leafId = childRunId(middleId, 'call');
    const pending = await eventually(() => runs.approvals().find((item) => item.runId === leafId), 30_000, 'the grandchild to wait');
    expect(pending).toMatchObject({ flowId: 'shout', parent: { runId: middleId, flowId: 'middle', flowName: 'Middle', nodeId: 'call' }, topRunId: runId });
    await runs.decide(leafId, 'check', { decision: 'approve', by: 'ana' });
    expect(await ended(runs, runId)).toBe('succeeded');
    expect((await runs.state(runId))!.outputs).toEqual({ shout: 'DEEPdeep' });
  });

  it("cancelling the parent cancels its waiting child, recorded in the child's log", async () => {
    const { runs, store } = await manager();
    const { flow, link } = await prepared(subflowParent(), [approvedShoutFlow()]);
    const { runId } = await runs.start(flow, { text: 'no' }, { flows: link.flows! });
    const childId = childRunId(runId, 'call');
    await eventually(() => runs.approvals().find((item) => item.runId === childId), 30_000, 'the child to wait');
    await runs.cancel(runId, 'ana');
    expect(await ended(runs, runId)).toBe('cancelled');
    expect(await ended(runs, childId)).toBe('cancelled');
    const childEvents: RunEvent[] = (await store.readEvents(childId))!;
    expect(childEvents.at(-1)).toMatchObject({ type: 'run.cancelled', by: 'parent' });
    expect(runs.approvals()).toEqual([]);
  });
});

describe("a child run's cost on the server", () => {
  const askChild = flowBuilder('ask-child', 'Ask')
    .input('in', { text: 'string' })
    .model('ask', { maxTokens: 1000, retries: 0 })
    .output('out', { answer: 'string' })
    .wire('in.text', 'ask.text')
    .wire('ask.result', 'out.answer')
    .build();
  const askParent = (budgetUsd: number) =>
    flowBuilder('asker', 'Asker')
      .with({ settings: { budgetUsd } })
      .input('in', { text: 'string' })
      .node({ id: 'call', kind: 'subflow', config: { flow: 'ask-child' } })
      .output('out', { answer: 'string' })
      .wire('in.text', 'call.text')
      .wire('call.answer', 'out.answer')
      .build();

  async function withModels(budgetUsd: number) {
    const fake = await startFakeOpenAIServer(() => textReply('fine', { usage: { prompt_tokens: 10, completion_tokens: 5 } }));
    const env = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.baseURL };
    const models = createModelService({ config: providerConfigFrom(undefined, env), env });
    const dirs = makeTempDirs();
    const store = await RunsStore.open({ dataDir: dirs.dataDir, log: () => {} });
    opened.push({ store, dirs });
    const runs = new RunManager({ store, executors, services: { models }, log: () => {} });
    const { flow, link } = await prepared(askParent(budgetUsd), [askChild]);
    const { runId } = await runs.start(flow, { text: 'hello' }, { flows: link.flows! });
    const status = await ended(runs, runId);
    await fake.close();
    return { runs, store, runId, status, requests: fake.requests.length };
  }

  it("rolls the child's cost into the parent step and run", async () => {
    const { runs, store, runId, status, requests } = await withModels(0.01);
    expect(status).toBe('succeeded');
    expect(requests).toBe(1);
    const own = (10 * 0.15 + 5 * 0.6) / 1e6;
    const child = (await store.readEvents(childRunId(runId, 'call')))!.at(-1)!;
    expect(child).toMatchObject({ type: 'run.succeeded', costUsd: expect.closeTo(own, 12) });
    const parent = (await runs.state(runId))!;
    expect(parent.costUsd).toBeCloseTo(own, 12);
    expect(parent.steps.call!.costUsd).toBeCloseTo(own, 12);
    // Spend across runs (the cost view, the spend ledger at start-up) counts the child's cost once: in its parent.
    const records = await readCostRecords(await costSourceOf(store));
    expect(records.map((record) => [record.runId, record.nodeId])).toEqual([[runId, 'call']]);
    expect(records[0]!.usd).toBeCloseTo(own, 12);
  });

  it("refuses the child's model step before it spends when the parent's budget cannot hold it", async () => {
    const { store, runId, status, requests } = await withModels(0.0005);
    expect(status).toBe('failed');
    expect(requests).toBe(0);
    const childEvents = (await store.readEvents(childRunId(runId, 'call')))!;
    expect(childEvents.find((event) => event.type === 'step.failed')).toMatchObject({ nodeId: 'ask', error: { code: 'budget' } });
  });
});
