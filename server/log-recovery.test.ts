/**
 * Recovering a log whose bytes are damaged, through the real server: invalid UTF-8 inside an
 * early line plus a torn last line. Every whole line is kept, the torn tail is cut at its exact
 * byte, a decision after the restart is kept across the next one, and REST, the run index and the
 * decision route agree about the run afterwards.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RUNS_DIRECTORY_NAME } from './store/runs-store.ts';
import { reviewFlow } from './testing/fixture-flows.ts';
import { makeTempDirs, type TempDirs } from './testing/temp-dirs.ts';
import { eventually, startTestServer, type TestServer } from './testing/test-server.ts';

const running: TestServer[] = [];
let dirs: TempDirs | undefined;

afterEach(async () => {
  await Promise.all(running.splice(0).map((test) => test.stop()));
  dirs?.remove();
});

async function start(): Promise<TestServer> {
  const test = await startTestServer({ dirs: dirs! });
  running.push(test);
  return test;
}

async function stop(test: TestServer): Promise<void> {
  running.splice(running.indexOf(test), 1);
  await test.stop();
}

async function statusOf(test: TestServer, runId: string, status: string): Promise<any> {
  return eventually(async () => {
    const state = (await test.api.get(`/api/runs/${runId}`)).body;
    return state?.status === status ? state : undefined;
  }, 10_000, `run ${runId} to be ${status}`);
}

describe('a log with invalid UTF-8 in an early line and a torn last line', () => {
  it('keeps every whole event; the decision made after the repair survives the next restart; REST, index and decision route agree', async () => {
    dirs = makeTempDirs();
    const first = await start();
    const { runId } = (await first.api.post('/api/runs', { flow: reviewFlow(), inputs: { text: 'AAAA keep me' } })).body;
    await statusOf(first, runId, 'waiting');
    await stop(first);

    // Four invalid bytes where "AAAA" was in line 1 (run.started), and half an event at the end.
    const path = join(dirs.dataDir, RUNS_DIRECTORY_NAME, `${runId}.jsonl`);
    const original = readFileSync(path);
    const at = original.indexOf('AAAA');
    expect(at).toBeLessThan(original.indexOf('\n'));
    const damaged = Buffer.from(original);
    damaged.fill(0xff, at, at + 4);
    writeFileSync(path, damaged);
    appendFileSync(path, '{"runId":"' + runId + '","seq":6,"at":"20');
    const lines = original.toString('utf8').split('\n').length - 1;

    const second = await start();
    const waiting = await statusOf(second, runId, 'waiting');
    expect(waiting.lastSeq).toBe(lines);
    expect(readFileSync(path).equals(damaged)).toBe(true); // cut back exactly to the whole lines
    const decided = await second.api.post(`/api/runs/${runId}/steps/review/decision`, { decision: 'approve' });
    expect(decided.status).toBe(200);
    await statusOf(second, runId, 'succeeded');
    await stop(second);

    const third = await start();
    const state = (await third.api.get(`/api/runs/${runId}`)).body;
    expect(state.status).toBe('succeeded');
    expect(state.steps.review.decision).toMatchObject({ answer: { decision: 'approve' } });
    expect(state.outputs).toEqual({ approved: 'AAAA keep me' });
    expect((await third.api.get('/api/runs')).body.runs).toEqual([expect.objectContaining({ runId, status: 'succeeded' })]);
    const again = await third.api.post(`/api/runs/${runId}/steps/review/decision`, { decision: 'approve' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/has ended \(succeeded\)/);
    expect(third.warnings.join('\n')).not.toMatch(/damaged/);
  }, 30_000);
});
