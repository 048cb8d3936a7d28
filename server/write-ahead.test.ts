/**
 * Write-ahead through the real server: whenever an executor's `run` is called, the `step.started`
 * of that very attempt is already in the run's log file on disk.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExecutorMap } from './engine/executor.ts';
import { executors } from './executors/index.ts';
import { RUNS_DIRECTORY_NAME } from './store/runs-store.ts';
import { codeReviewFlow } from './testing/fixture-flows.ts';
import { runStatus, startTestServer, type TestServer } from './testing/test-server.ts';

let test: TestServer | undefined;
afterEach(async () => {
  await test?.close();
});

/** The log's text; empty while the file does not exist yet. */
function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

describe('write-ahead', () => {
  it('calls no executor before the step.started of its attempt is on disk', async () => {
    const seen: Array<{ nodeId: string; attempt: number; onDisk: boolean }> = [];
    let dataDir = '';
    const watching = Object.fromEntries(
      Object.entries(executors).map(([kind, executor]) => [
        kind,
        {
          ...executor,
          run(context: Parameters<typeof executor.run>[0]) {
            const log = readLog(join(dataDir, RUNS_DIRECTORY_NAME, `${context.runId}.jsonl`));
            const onDisk = log.split('\n').some((line) => line.includes('"type":"step.started"') && line.includes(`"nodeId":"${context.node.id}"`) && line.includes(`"attempt":${context.attempt}`));
            seen.push({ nodeId: context.node.id, attempt: context.attempt, onDisk });
            return (executor.run as (value: unknown) => ReturnType<typeof executor.run>)(context);
          },
        },
      ]),
    ) as unknown as ExecutorMap;
    test = await startTestServer({ executors: watching });
    dataDir = test.dirs.dataDir;
    const { runId } = (await test.api.post('/api/runs', { flow: codeReviewFlow(), inputs: { text: 'quiet' } })).body;
    expect((await runStatus(test, runId, 'waiting', 'succeeded', 'failed', 'cancelled')).status).toBe('waiting');
    expect((await test.api.post(`/api/runs/${runId}/steps/review/decision`, { decision: 'approve' })).status).toBe(200);
    expect((await runStatus(test, runId, 'succeeded', 'failed', 'cancelled')).status).toBe('succeeded');
    expect(seen.map((call) => call.nodeId).sort()).toEqual(['result', 'review', 'shout', 'ticket']);
    expect(seen.filter((call) => !call.onDisk)).toEqual([]);
  });
});
