/**
 * Durable runs across server starts, in-process: a graceful restart, a step that was mid-run, a
 * half-written last line, a corrupt index, and a second server on the same data directory.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { flowHash } from '../shared/canonical.ts';
import type { RunEvent } from '../shared/events.ts';
import { DataDirLockedError } from './store/data-lock.ts';
import { formatEventLines } from './store/event-log-text.ts';
import { INDEX_FILE_NAME, RUNS_DIRECTORY_NAME } from './store/runs-store.ts';
import { reviewFlow } from './testing/fixture-flows.ts';
import { makeTempDirs, type TempDirs } from './testing/temp-dirs.ts';
import { eventually, startTestServer, type TestServer } from './testing/test-server.ts';

const running: TestServer[] = [];
const dirsToRemove: TempDirs[] = [];

async function start(dirs: TempDirs): Promise<TestServer> {
  const test = await startTestServer({ dirs });
  running.push(test);
  return test;
}

function tempDirs(): TempDirs {
  const dirs = makeTempDirs();
  dirsToRemove.push(dirs);
  return dirs;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((test) => test.stop()));
  for (const dirs of dirsToRemove.splice(0)) dirs.remove();
});

function logFile(dirs: TempDirs, runId: string): string {
  return join(dirs.dataDir, RUNS_DIRECTORY_NAME, `${runId}.jsonl`);
}

function readLog(dirs: TempDirs, runId: string): RunEvent[] {
  return readFileSync(logFile(dirs, runId), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as RunEvent);
}

function startedCounts(events: RunEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of events) if (event.type === 'step.started') counts[event.nodeId] = (counts[event.nodeId] ?? 0) + 1;
  return counts;
}

/** A log as a crash would leave it: the run started and `ticket` was running. */
function crashedLog(runId: string): RunEvent[] {
  const flow = reviewFlow();
  const at = new Date().toISOString();
  return [
    { runId, seq: 1, at, type: 'run.started', flowId: flow.id, flowHash: flowHash(flow), flow, inputs: { text: 'from before the crash' } },
    { runId, seq: 2, at, type: 'step.started', nodeId: 'ticket', attempt: 1, inputs: {} },
  ];
}

async function waitForStatus(test: TestServer, runId: string, status: string): Promise<any> {
  return eventually(async () => {
    const state = (await test.api.get(`/api/runs/${runId}`)).body;
    return state?.status === status ? state : undefined;
  }, 10_000, `run ${runId} to be ${status}`);
}

describe('restarting on the same data directory', () => {
  it('keeps a waiting run waiting across a restart; a decision then completes it, no step run twice', async () => {
    const dirs = tempDirs();
    const first = await start(dirs);
    const { runId } = (await first.api.post('/api/runs', { flow: reviewFlow(), inputs: { text: 'keep me' } })).body;
    await waitForStatus(first, runId, 'waiting');
    await first.stop();
    running.splice(running.indexOf(first), 1);

    const second = await start(dirs);
    const state = await waitForStatus(second, runId, 'waiting');
    expect(state.steps.review.request.payload).toBe('keep me');
    expect((await second.api.get('/api/approvals')).body.approvals).toEqual([expect.objectContaining({ runId, nodeId: 'review' })]);
    const decided = await second.api.post(`/api/runs/${runId}/steps/review/decision`, { decision: 'approve' });
    expect(decided.status).toBe(200);
    // Answered only once step.decided is on disk.
    expect(readLog(dirs, runId).some((event) => event.type === 'step.decided')).toBe(true);
    await waitForStatus(second, runId, 'succeeded');
    expect(startedCounts(readLog(dirs, runId))).toEqual({ ticket: 1, review: 1, result: 1 });
  });

  it('runs a step that was mid-run at the crash again, as its next attempt', async () => {
    const dirs = tempDirs();
    mkdirSync(join(dirs.dataDir, RUNS_DIRECTORY_NAME), { recursive: true });
    writeFileSync(logFile(dirs, 'run-crashed'), formatEventLines(crashedLog('run-crashed')));
    const test = await start(dirs);
    // The index never heard of this run (the crash came first): it is rebuilt from the log.
    await waitForStatus(test, 'run-crashed', 'waiting');
    const attempts = readLog(dirs, 'run-crashed').filter((event) => event.type === 'step.started' && event.nodeId === 'ticket').map((event) => (event as { attempt: number }).attempt);
    expect(attempts).toEqual([1, 2]);
    expect((await test.api.get('/api/runs')).body.runs).toEqual([expect.objectContaining({ runId: 'run-crashed', status: 'waiting', flowId: 'review' })]);
  });

  it('drops a half-written last line with a warning and resumes from the whole events', async () => {
    const dirs = tempDirs();
    mkdirSync(join(dirs.dataDir, RUNS_DIRECTORY_NAME), { recursive: true });
    const events = crashedLog('run-torn');
    writeFileSync(logFile(dirs, 'run-torn'), formatEventLines(events) + '{"runId":"run-torn","seq":3,"at":"2025-');
    const test = await start(dirs);
    await waitForStatus(test, 'run-torn', 'waiting');
    expect(test.warnings.join('\n')).toMatch(/run run-torn: dropped a half-written last event/);
    expect(readdirSync(join(dirs.dataDir, RUNS_DIRECTORY_NAME)).some((name) => name.startsWith('run-torn.jsonl.corrupt-'))).toBe(true);
    expect(readLog(dirs, 'run-torn').map((event) => event.seq)).toEqual(readLog(dirs, 'run-torn').map((_, index) => index + 1));
  });

  it('marks a run whose log is damaged in the middle as failed, visibly, instead of guessing', async () => {
    const dirs = tempDirs();
    mkdirSync(join(dirs.dataDir, RUNS_DIRECTORY_NAME), { recursive: true });
    const [started, step] = crashedLog('run-damaged');
    writeFileSync(logFile(dirs, 'run-damaged'), `${JSON.stringify(started)}\n{"seq": 2, oops}\n${JSON.stringify(step)}\n`);
    const test = await start(dirs);
    const state = await waitForStatus(test, 'run-damaged', 'failed');
    expect(state.error).toMatchObject({ code: 'corrupt-log' });
    expect(test.warnings.join('\n')).toMatch(/run-damaged.*line 2/);
  });

  it('keeps a corrupt index aside with a clear message and rebuilds the run list from the logs', async () => {
    const dirs = tempDirs();
    const first = await start(dirs);
    const { runId } = (await first.api.post('/api/runs', { flow: reviewFlow(), inputs: { text: 'x' } })).body;
    await waitForStatus(first, runId, 'waiting');
    await first.stop();
    running.splice(running.indexOf(first), 1);
    writeFileSync(join(dirs.dataDir, INDEX_FILE_NAME), '{"version": 1, "runs": {"broken');

    const second = await start(dirs);
    expect(second.warnings.join('\n')).toMatch(/the run index .* is corrupt .*kept as .*runs-index\.json\.corrupt-/);
    expect(readdirSync(dirs.dataDir).filter((name) => name.startsWith(`${INDEX_FILE_NAME}.corrupt-`))).toHaveLength(1);
    expect((await second.api.get('/api/runs')).body.runs).toEqual([expect.objectContaining({ runId, status: 'waiting' })]);
    await second.server.store.flush();
    expect(JSON.parse(readFileSync(join(dirs.dataDir, INDEX_FILE_NAME), 'utf8')).runs[runId]).toMatchObject({ status: 'waiting' });
  });

  it('refuses a second server on the same data directory', async () => {
    const dirs = tempDirs();
    await start(dirs);
    await expect(startTestServer({ dirs })).rejects.toThrow(DataDirLockedError);
    await expect(startTestServer({ dirs })).rejects.toThrow(/another Weft server \(pid \d+\) is using the data directory/);
  });
});
