/**
 * What a spend ledger reads when it starts, with many old runs about: only the runs (and log
 * files) that can hold spend of a current period. Real logs, made by a real server run against a
 * fake OpenAI-compatible server, then copied as many runs.
 */
import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../shared/events.ts';
import { flow } from '../../shared/testing/flow-builder.ts';
import { MemorySpendLedger } from '../engine/spend-ledger.ts';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../providers/testing/fake-openai-server.ts';
import { TEST_API_KEY } from '../providers/testing/fake-provider.ts';
import { LOG_SUFFIX } from '../store/run-log-files.ts';
import { RUNS_DIRECTORY_NAME } from '../store/runs-store.ts';
import { eventually, startTestServer, type TestServer } from '../testing/test-server.ts';
import { readLogDirectoryRecords } from './log-directory-records.ts';
import { openSpendLedger, spendLookBack } from './open-spend-ledger.ts';
import type { CostSource, CostSourceRun } from './read-cost-records.ts';

const DAY = 24 * 60 * 60 * 1000;
let fake: FakeOpenAIServer;
let test: TestServer;
let events: RunEvent[];

beforeAll(async () => {
  fake = await startFakeOpenAIServer(() => ({ kind: 'text', chunks: ['ok'], usage: { prompt_tokens: 1000, completion_tokens: 100 } }));
  test = await startTestServer({ env: { OPENAI_API_KEY: TEST_API_KEY, OPENAI_BASE_URL: fake.baseURL } });
  const subject = flow('spender', 'Spender').input('ticket', { text: 'string' }).model('answer', { prompt: 'Answer: {{text}}', maxTokens: 100 }).output('result', { answer: 'string' }).wire('ticket.text', 'answer.text').wire('answer.result', 'result.answer').build();
  const started = await test.api.post('/api/runs', { flow: subject, inputs: { text: 'hi' } });
  await eventually(async () => ((await test.api.get(`/api/runs/${started.body.runId}`)).body.status === 'succeeded' ? true : undefined), 30_000, 'the run to succeed');
  await test.stop();
  events = (await test.server.store.readEvents(started.body.runId))!;
}, 60_000);
afterAll(async () => {
  await test.close();
  await fake.close();
});

/** The run's log again as another run's, written `ageDays` ago. */
function copyRun(runId: string, ageDays: number): void {
  const text = events.map((event) => JSON.stringify({ ...event, runId })).join('\n') + '\n';
  const path = join(test.dirs.dataDir, RUNS_DIRECTORY_NAME, `${runId}${LOG_SUFFIX}`);
  writeFileSync(path, text);
  const when = new Date(Date.now() - ageDays * DAY);
  utimesSync(path, when, when);
}

describe('a spend ledger starting with many old runs', () => {
  it('reads only the log files written inside the look-back (weft run, weft cost)', async () => {
    const usd = events.filter((event) => event.type === 'step.cost').at(-1)!;
    expect(usd.type === 'step.cost' && usd.usd).toBeGreaterThan(0);
    // 400 logs last written 40 to 440 days ago. Their events claim today, so reading any would count it.
    for (let index = 0; index < 400; index++) copyRun(`old-${index}`, 40 + index);
    copyRun('recent', 3);
    expect(readdirSync(join(test.dirs.dataDir, RUNS_DIRECTORY_NAME)).filter((name) => name.endsWith(LOG_SUFFIX))).toHaveLength(402);
    const records = await readLogDirectoryRecords(test.dirs.dataDir, { since: spendLookBack() });
    expect(new Set(records.map((record) => record.runId)).size).toBe(2);
    expect(records.every((record) => !record.runId.startsWith('old-'))).toBe(true);
    // Without a bound (the cost view's "all time"), every log is read.
    expect(new Set((await readLogDirectoryRecords(test.dirs.dataDir)).map((record) => record.runId)).size).toBe(402);
  });

  it('reads the events of only the runs that ended inside the look-back, or have not ended (a server\'s store)', async () => {
    const now = Date.now();
    const runs: CostSourceRun[] = [
      ...Array.from({ length: 2000 }, (_, index) => ({ runId: `old-${index}`, flowId: 'spender', status: 'succeeded', startedAt: new Date(now - (40 + index) * DAY).toISOString(), endedAt: new Date(now - (40 + index) * DAY + 1000).toISOString() })),
      { runId: 'recent', flowId: 'spender', status: 'succeeded', startedAt: new Date(now - DAY).toISOString(), endedAt: new Date(now - DAY + 1000).toISOString() },
      { runId: 'running', flowId: 'spender', status: 'running', startedAt: new Date(now - 50 * DAY).toISOString() },
    ];
    const read: string[] = [];
    const source: CostSource = {
      runs: () => runs,
      readEvents: async (runId) => (read.push(runId), events.map((event) => ({ ...event, runId }))),
    };
    const ledger = await openSpendLedger(source, { now });
    expect(read.sort()).toEqual(['recent', 'running']);
    if (!(ledger instanceof MemorySpendLedger)) throw new Error('file mode opens a ledger in memory');
    expect(ledger.size.entries).toBe(2);
  });
});
