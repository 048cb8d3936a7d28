/**
 * Composed flows (subflow, map) through the server's REST API: saving, listing and starting them
 * checks the flows they call in the flows store, exactly as `weft validate` checks the flows
 * directory, and a run of one runs its children as stored runs of their own.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shoutFlow, subflowParent, mapParent } from './child-runs/testing/compose-flows.ts';
import { sandboxShoutFlow } from './child-runs/testing/server-flows.ts';
import { childRunId } from './executors/children/child-run-id.ts';
import { REPO_ROOT } from './testing/server-process.ts';
import { eventually, startTestServer, type TestServer } from './testing/test-server.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  for (const file of ['triage-batch.flow.json', 'classify-ticket.flow.json']) copyFileSync(join(REPO_ROOT, 'flows', file), join(server.dirs.flowsDir, file));
});
afterAll(() => server.close());

const problemsOf = (body: { problems?: Array<{ message: string }> }) => (body.problems ?? []).map((problem) => problem.message);

async function ended(runId: string) {
  return eventually(async () => {
    const state = (await server.api.get(`/api/runs/${runId}`)).body;
    return state.status !== 'running' && state.status !== 'waiting' ? state : undefined;
  }, 30_000, `run ${runId} to end`);
}

describe('composed flows on the server', () => {
  it('lists the example batch, which maps over its child flow, with no problems', async () => {
    const { body } = await server.api.get('/api/flows');
    const batch = body.flows.find((entry: { id: string }) => entry.id === 'triage-batch');
    expect(batch).toMatchObject({ valid: true, name: expect.any(String) });
    expect((await server.api.get('/api/flows/triage-batch')).headers['x-weft-flow-problems']).toBeUndefined();
  });

  it('refuses to run a flow that calls a missing flow, naming it, and saves it as a draft with that problem', async () => {
    const saved = await server.api.put('/api/flows/parent', subflowParent('nowhere'));
    expect(saved.status).toBe(201);
    expect(problemsOf(saved.body)).toContain('node "call": there is no flow "nowhere"');
    const listed = (await server.api.get('/api/flows')).body.flows.find((entry: { id: string }) => entry.id === 'parent');
    expect(listed).toMatchObject({ valid: false });
    expect(listed.problems.map((problem: { message: string }) => problem.message)).toContain('node "call": there is no flow "nowhere"');
    const run = await server.api.post('/api/flows/parent/runs', { inputs: { text: 'x' } });
    expect(run.status).toBe(400);
    const unsaved = await server.api.post('/api/runs', { flow: subflowParent('nowhere'), inputs: { text: 'x' } });
    expect(unsaved.status).toBe(400);
    expect(unsaved.body.error.issues.map((issue: { message: string }) => issue.message)).toContain('node "call": there is no flow "nowhere"');
  });

  it("checks a wire against the child's field types, a map's itemInput, and cycles naming the chain", async () => {
    expect((await server.api.put('/api/flows/shout', shoutFlow())).status).toBe(201);
    const mistyped = subflowParent();
    mistyped.nodes.find((node) => node.id === 'in')!.config = { fields: [{ name: 'text', type: 'number' }] };
    const mistypedProblems = problemsOf((await server.api.put('/api/flows/mistyped', { ...mistyped, id: 'mistyped' })).body);
    expect(mistypedProblems).toContain('wire in.text -> call.text: number cannot feed string: add a code node to convert');
    const badItem = { ...mapParent({ itemInput: 'body' }), id: 'bad-item' };
    const badItemProblems = problemsOf((await server.api.put('/api/flows/bad-item', badItem)).body);
    expect(badItemProblems).toEqual(expect.arrayContaining([expect.stringMatching(/^node "each" \(map\): nodes\[\d\]\.config\.itemInput: flow "shout" has no input "body"/)]));
    const cycleA = { ...subflowParent('cycle-b'), id: 'cycle-a' };
    const cycleB = { ...subflowParent('cycle-a'), id: 'cycle-b' };
    await server.api.put('/api/flows/cycle-a', cycleA);
    const saved = await server.api.put('/api/flows/cycle-b', cycleB);
    expect(problemsOf(saved.body)).toContain('node "call": flows call each other in a cycle: cycle-b -> cycle-a -> cycle-b (a flow cannot call itself, directly or through others)');
  });

  it('starts a saved subflow parent; its child is a run of its own with its own log, linked both ways', async () => {
    expect((await server.api.put('/api/flows/shout', sandboxShoutFlow())).status).toBe(200);
    const saved = await server.api.put('/api/flows/parent', subflowParent());
    expect(saved.status).toBe(200);
    expect(saved.body.problems).toBeUndefined();
    const started = await server.api.post('/api/flows/parent/runs', { inputs: { text: 'hey' } });
    expect(started.status).toBe(201);
    const { runId } = started.body;
    const state = await ended(runId);
    expect(state).toMatchObject({ status: 'succeeded', outputs: { shout: 'HEYhey' } });
    const childId = childRunId(runId, 'call');
    expect(state.steps.call.children).toEqual([{ runId: childId, flowId: 'shout' }]);
    const child = await ended(childId);
    expect(child).toMatchObject({ status: 'succeeded', parent: { runId, nodeId: 'call' } });
    const childEvents = (await server.api.get(`/api/runs/${childId}/events`)).body.events;
    expect(childEvents[0]).toMatchObject({ type: 'run.started', parentRunId: runId, flowId: 'shout' });

    // History: the child is listed under its parent, not among the top-level runs.
    const top = (await server.api.get('/api/runs')).body;
    expect(top.runs.map((entry: { runId: string }) => entry.runId)).not.toContain(childId);
    expect(top.runs.find((entry: { runId: string }) => entry.runId === runId)).toMatchObject({ childCount: 1 });
    expect(top.childRunsHidden).toBeGreaterThanOrEqual(1);
    const under = (await server.api.get(`/api/runs?parentRunId=${runId}`)).body;
    expect(under.runs).toEqual([expect.objectContaining({ runId: childId, parentRunId: runId, flowId: 'shout', status: 'succeeded' })]);
    const ofChildFlow = (await server.api.get('/api/runs?flowId=shout')).body;
    expect(ofChildFlow.runs.map((entry: { runId: string }) => entry.runId)).toContain(childId);
  });

  it('estimates a composed flow with the flows it calls', async () => {
    const { body: batch } = await server.api.get('/api/flows/triage-batch');
    const estimate = await server.api.post('/api/estimate', { flow: batch });
    expect(estimate.status).toBe(200);
    expect(estimate.body.steps.find((step: { nodeId: string }) => step.nodeId === 'each')).toMatchObject({ model: 'flow classify-ticket' });
  });
});
