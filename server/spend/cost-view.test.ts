/**
 * The cost view against the real server and the real `weft cost`: runs against a fake
 * OpenAI-compatible server, then the view's totals checked against the runs' own costs.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flow } from '../../shared/testing/flow-builder.ts';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../providers/testing/fake-openai-server.ts';
import { TEST_API_KEY } from '../providers/testing/fake-provider.ts';
import { eventually, startTestServer, type TestServer } from '../testing/test-server.ts';

const root = new URL('../../', import.meta.url).pathname;
let fake: FakeOpenAIServer;
let test: TestServer;

const capped = flow('capped', 'Capped')
  .input('ticket', { text: 'string' })
  .model('first', { prompt: 'One: {{text}}', maxTokens: 100 })
  .model('second', { model: 'gpt-4.1', prompt: 'Two: {{text}}', maxTokens: 100 })
  .output('result', { one: 'string', two: 'string' })
  .wire('ticket.text', 'first.text')
  .wire('ticket.text', 'second.text')
  .wire('first.result', 'result.one')
  .wire('second.result', 'result.two')
  .with({ settings: { spendCaps: [{ period: 'day', usd: 5 }] } })
  .build();

beforeAll(async () => {
  let count = 0;
  // Each reply a different size, some with cached prompt tokens, so the totals are not a product.
  fake = await startFakeOpenAIServer(() => {
    count++;
    return { kind: 'text', chunks: ['ok'], usage: { prompt_tokens: 1000 + count * 37, completion_tokens: 20 + count * 3, cached_tokens: count % 2 === 0 ? 512 : 0 } };
  });
  test = await startTestServer({ env: { OPENAI_API_KEY: TEST_API_KEY, OPENAI_BASE_URL: fake.baseURL, WEFT_SPEND_CAP_DAY_USD: '2' } });
  expect((await test.api.put('/api/flows/capped', capped)).status).toBeLessThan(300);
});
afterAll(async () => {
  await test.close();
  await fake.close();
});

/**
 * The CLI in a child process, awaited without blocking: a blocked event loop would leave the
 * test server's idle keep-alive connections to time out under the client (ECONNRESET).
 */
async function weft(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/weft.mjs', ...args], { cwd: root, env, timeout: 60_000 });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { status: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Every number to 12 decimal places. */
function rounded(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_key, item: unknown) => (typeof item === 'number' ? Number(item.toFixed(12)) : item)));
}

async function runOnce(text: string): Promise<{ runId: string; costUsd: number }> {
  const started = await test.api.post('/api/runs', { flow: capped, inputs: { text } });
  return eventually(async () => {
    const state = (await test.api.get(`/api/runs/${started.body.runId}`)).body;
    return state.status === 'succeeded' ? { runId: state.runId, costUsd: state.costUsd } : undefined;
  }, 30_000, 'the run to succeed');
}

describe('the cost view', () => {
  it('adds up to the sum of the runs\' costs, per day, by model, by step, and says what the caps left', async () => {
    const runs = [await runOnce('a'), await runOnce('bb'), await runOnce('ccc')];
    const sum = runs.reduce((total, run) => total + run.costUsd, 0);
    expect(sum).toBeGreaterThan(0);

    const view = (await test.api.get('/api/cost?flowId=capped')).body;
    expect(view.totalUsd).toBeCloseTo(sum, 12);
    expect(view.byDay.reduce((total: number, day: { usd: number }) => total + day.usd, 0)).toBeCloseTo(sum, 12);
    expect(view.byModel.map((row: { model: string }) => row.model).sort()).toEqual(['gpt-4.1', 'gpt-4o-mini']);
    expect(view.byStep.map((row: { nodeId: string; attempts: number }) => [row.nodeId, row.attempts]).sort()).toEqual([['first', 3], ['second', 3]]);
    expect(view.topRuns[0].usd).toBeCloseTo(Math.max(...runs.map((run) => run.costUsd)), 12);
    expect(view.cachedInputTokens).toBe(3 * 512);
    expect(view.cachedSavingUsd).toBeGreaterThan(0);
    const flowCap = view.caps.find((cap: { scope: string }) => cap.scope === 'flow');
    expect(flowCap).toMatchObject({ flowId: 'capped', period: 'day', capUsd: 5 });
    expect(flowCap.leftUsd).toBeCloseTo(5 - sum, 12);
    expect(view.caps.find((cap: { scope: string }) => cap.scope === 'server').leftUsd).toBeCloseTo(2 - sum, 12);

    // weft cost reads the same logs and prints the same figures.
    const env = { ...process.env, WEFT_DATA_DIR: test.dirs.dataDir, WEFT_FLOWS_DIR: test.dirs.flowsDir, WEFT_SPEND_CAP_DAY_USD: '2' };
    const json = await weft(['cost', 'capped', '--json'], env);
    expect(json.status).toBe(0);
    // The same figures; sums may differ in the last bit where the logs were read in another order.
    expect(rounded(JSON.parse(json.stdout))).toEqual(rounded(view));
    const text = await weft(['cost', 'capped', '--since', '2000-01-01'], env);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('cost of flow "capped" since 2000-01-01');
    expect(text.stdout).toMatch(/spend caps\n.*\nflow capped\s+day \d{4}-\d\d-\d\d \(UTC\)\s+\$5\.00/);
  });

  it('refuses a bad date, naming the parameter', async () => {
    const answer = await test.api.get('/api/cost?since=yesterday');
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain('since');
    const cli = await weft(['cost', '--since', 'yesterday']);
    expect(cli.status).toBe(2);
    expect(cli.stderr).toContain('--since a date like 2026-12-01');
  });
});
