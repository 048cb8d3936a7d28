/**
 * A full disk under a real server (a 1 MiB tmpfs where mounting is allowed, injected ENOSPC
 * failures of the store's file operations otherwise): starting a run answers 503 and leaves no
 * trace, no provider request is made, a decision answers 503 and changes nothing, the run list and
 * the logs agree, and once there is space again everything works. A run whose model step was
 * streaming when the disk filled is stopped (its request aborted) and continues from its log.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../shared/events.ts';
import { flow } from '../shared/testing/flow-builder.ts';
import { startFakeOpenAIServer, textReply, type FakeOpenAIServer } from './providers/testing/fake-openai-server.ts';
import { RunIndex } from './store/run-index.ts';
import { INDEX_FILE_NAME, RUNS_DIRECTORY_NAME } from './store/runs-store.ts';
import { failingFs, makeFailingDisk, type FailingDisk } from './store/testing/failing-disk.ts';
import { reviewFlow } from './testing/fixture-flows.ts';
import { makeTempDirs, type TempDirs } from './testing/temp-dirs.ts';
import { eventually, startTestServer, type TestServer } from './testing/test-server.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function modelFlow() {
  return flow('ask', 'Ask a model').input('question', { text: 'string' }).model('answer').output('result', { text: 'string' }).wire('question.text', 'answer.text').wire('answer.result', 'result.text').build();
}

async function serve(dirs: TempDirs, fake: FakeOpenAIServer, storeFs: FailingDisk['fs']): Promise<TestServer> {
  const test = await startTestServer({ dirs, env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.baseURL }, ...(storeFs ? { storeFs } : {}) });
  cleanups.push(() => test.stop());
  return test;
}

async function statusOf(test: TestServer, runId: string, status: string): Promise<any> {
  return eventually(async () => {
    const state = (await test.api.get(`/api/runs/${runId}`)).body;
    return state?.status === status ? state : undefined;
  }, 15_000, `run ${runId} to be ${status}`);
}

function logNames(dataDir: string): string[] {
  return readdirSync(join(dataDir, RUNS_DIRECTORY_NAME)).filter((name) => name.endsWith('.jsonl')).sort();
}

/** The runs in the index on disk (snapshot and journal), read as the next start would read them. */
async function indexedRunIds(dataDir: string): Promise<string[]> {
  const { index } = await RunIndex.open(join(dataDir, INDEX_FILE_NAME), () => undefined);
  return index.list().map((run) => run.runId).sort();
}

describe('a full disk', () => {
  // The first case is a real tmpfs where mounting is allowed; the second always injects the failures.
  it.each([{ injected: false }, { injected: true }])('answers 503 with no trace and no provider request, keeps list and logs consistent, and serves normally once space is back (injected: $injected)', async ({ injected }) => {
    const disk = makeFailingDisk({ injected });
    cleanups.push(() => disk.remove());
    const flowsDir = makeTempDirs();
    cleanups.push(() => flowsDir.remove());
    const fake = await startFakeOpenAIServer(() => textReply('an answer'));
    cleanups.push(() => fake.close());
    const test = await serve({ ...flowsDir, dataDir: disk.dataDir }, fake, disk.fs);

    const waiting = (await test.api.post('/api/runs', { flow: reviewFlow(), inputs: { text: 'before the disk filled' } })).body.runId;
    await statusOf(test, waiting, 'waiting');
    await test.server.store.flush();
    disk.fill();

    const refused = await test.api.post('/api/runs', { flow: modelFlow(), inputs: { text: 'a question' } });
    expect(refused.status).toBe(503);
    expect(refused.body.error.message).toMatch(/^the run store cannot write: the disk is full \(ENOSPC\); the run was not started\. Try again/);
    expect(refused.body.error.message).not.toContain(disk.dataDir);
    expect(fake.requests).toHaveLength(0);
    // Known now: refused before anything is tried.
    const again = await test.api.post('/api/runs', { flow: modelFlow(), inputs: { text: 'a question' } });
    expect(again.status).toBe(503);
    const decision = await test.api.post(`/api/runs/${waiting}/steps/review/decision`, { decision: 'approve' });
    expect(decision.status).toBe(503);
    expect(decision.body.error.message).toMatch(/the decision was not recorded/);
    expect(fake.requests).toHaveLength(0);

    // Nothing half done: one run listed, one log, the waiting run unchanged everywhere.
    expect((await test.api.get('/api/runs')).body.runs.map((run: { runId: string; status: string }) => [run.runId, run.status])).toEqual([[waiting, 'waiting']]);
    expect(logNames(disk.dataDir)).toEqual([`${waiting}.jsonl`]);
    expect(await indexedRunIds(disk.dataDir)).toEqual([waiting]);
    expect((await test.api.get(`/api/runs/${waiting}`)).body.status).toBe('waiting');
    expect((await test.api.get('/api/approvals')).body.approvals).toEqual([expect.objectContaining({ runId: waiting, nodeId: 'review' })]);
    expect((await test.api.get('/api/health')).status).toBe(200);

    disk.free();
    const started = await eventually(async () => {
      const response = await test.api.post('/api/runs', { flow: modelFlow(), inputs: { text: 'a question' } });
      return response.status === 201 ? response : undefined;
    }, 15_000, 'a run to start once space is back');
    const done = await statusOf(test, started.body.runId, 'succeeded');
    expect(done.outputs).toEqual({ text: 'an answer' });
    expect(fake.requests).toHaveLength(1);
    expect((await test.api.post(`/api/runs/${waiting}/steps/review/decision`, { decision: 'approve' })).status).toBe(200);
    await statusOf(test, waiting, 'succeeded');
    await test.server.store.flush();
    const listed = (await test.api.get('/api/runs')).body.runs.map((run: { runId: string }) => run.runId).sort();
    expect(listed).toEqual([waiting, started.body.runId].sort());
    expect(logNames(disk.dataDir)).toEqual(listed.map((runId: string) => `${runId}.jsonl`));
    expect(await indexedRunIds(disk.dataDir)).toEqual(listed);
  }, 60_000);

  it('stops a run whose model step is streaming when writes start failing (request aborted), and continues it from its log once they work', async () => {
    const dirs = makeTempDirs();
    cleanups.push(() => dirs.remove());
    let full = false;
    const fake = await startFakeOpenAIServer((_request, index) => {
      if (index > 0) return textReply('second answer');
      full = true; // the disk fills while the first request is on its way
      return textReply('first answer that is never recorded', { chunkDelayMs: 20, hangAfterChunks: true });
    });
    cleanups.push(() => fake.close());
    const test = await serve(dirs, fake, failingFs(() => full));

    const { runId } = (await test.api.post('/api/runs', { flow: modelFlow(), inputs: { text: 'a question' } })).body;
    await fake.waitForRequests(1);
    await fake.requests[0]!.closed; // aborted: the run was stopped when its events could not be written
    expect(fake.requests[0]!.closedByClient).toBe(true);
    expect((await test.api.get(`/api/runs/${runId}`)).body.status).toBe('running');
    const cancel = await test.api.post(`/api/runs/${runId}/cancel`, {});
    expect(cancel.status).toBe(503);

    full = false;
    const done = await statusOf(test, runId, 'succeeded');
    expect(done.outputs).toEqual({ text: 'second answer' });
    expect(fake.requests).toHaveLength(2);
    const events: RunEvent[] = (await test.api.get(`/api/runs/${runId}/events`)).body.events;
    expect(events.filter((event) => event.type === 'step.started' && event.nodeId === 'answer').map((event) => (event as { attempt: number }).attempt)).toEqual([1, 2]);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect((await test.api.get('/api/runs')).body.runs).toEqual([expect.objectContaining({ runId, status: 'succeeded' })]);
  }, 60_000);
});
