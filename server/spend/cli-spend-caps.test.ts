/**
 * `weft run` under spend caps: the real bin in a child process against a fake OpenAI-compatible
 * server that counts requests, after a real server spent part of the cap (its run logs in the data
 * directory, or its runs in the database).
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Flow } from '../../shared/flow.ts';
import { OPENAI_PRICES, worstCaseUsd } from '../../shared/pricing.ts';
import type { SpendCap } from '../../shared/spend-caps.ts';
import { flow } from '../../shared/testing/flow-builder.ts';
import type { ChatMessage } from '../engine/services.ts';
import { promptTokenCount } from '../executors/model/model-prompt.ts';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../providers/testing/fake-openai-server.ts';
import { TEST_API_KEY } from '../providers/testing/fake-provider.ts';
import { countTokens } from '../providers/tokens.ts';
import { describeWithDatabase } from '../store/postgres/testing/test-database.ts';
import { makeTempDirs, type TempDirs } from '../testing/temp-dirs.ts';
import { eventually, startTestServer, type TestServer } from '../testing/test-server.ts';

const root = new URL('../../', import.meta.url).pathname;
const MAX_TOKENS = 200;
const TEXT = 'The printer on floor 3 is on fire again.';
const stepUsd = worstCaseUsd(OPENAI_PRICES['gpt-4o-mini'], promptTokenCount({ countTokens }, 'gpt-4o-mini', [{ role: 'user', content: `Summarise: ${TEXT}` }]), MAX_TOKENS)!;

let fake: FakeOpenAIServer;
let dirs: TempDirs;
let server: TestServer | undefined;

beforeEach(async () => {
  // Every reply costs exactly its worst case, so a cap of N.5 worst cases covers exactly N steps.
  fake = await startFakeOpenAIServer((request) => ({
    kind: 'text',
    chunks: ['A fire.'],
    usage: { prompt_tokens: promptTokenCount({ countTokens }, 'gpt-4o-mini', request.body.messages as ChatMessage[]), completion_tokens: request.body.max_completion_tokens as number },
  }));
  dirs = makeTempDirs();
});
afterEach(async () => {
  await server?.stop();
  server = undefined;
  await fake.close();
  dirs.remove();
});

function summaryFlow(spendCaps?: SpendCap[]): Flow {
  return flow('summary', 'Summary')
    .input('ticket', { text: 'string' })
    .model('summarise', { prompt: 'Summarise: {{text}}', maxTokens: MAX_TOKENS, retries: 0 })
    .output('result', { summary: 'string' })
    .wire('ticket.text', 'summarise.text')
    .wire('summarise.result', 'result.summary')
    .with(spendCaps ? { settings: { spendCaps } } : {})
    .build();
}

/** Two runs on a real server: two steps' worth of spend in its logs. */
async function spendTwoSteps(subject: Flow, databaseUrl?: string): Promise<void> {
  server = await startTestServer({ dirs, env: { OPENAI_API_KEY: TEST_API_KEY, OPENAI_BASE_URL: fake.baseURL }, ...(databaseUrl ? { config: { databaseUrl } } : {}) });
  for (let index = 0; index < 2; index++) {
    const started = await server.api.post('/api/runs', { flow: subject, inputs: { text: TEXT } });
    const state = await eventually(async () => {
      const body = (await server!.api.get(`/api/runs/${started.body.runId}`)).body;
      return body.status === 'running' ? undefined : body;
    }, 30_000, 'the run to end');
    expect(state.status).toBe('succeeded');
  }
  await server.stop();
  server = undefined;
  expect(fake.requests).toHaveLength(2);
}

async function weftRun(subject: Flow, env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  const file = join(dirs.flowsDir, 'summary.flow.json');
  writeFileSync(file, JSON.stringify(subject, null, 2));
  const clean = { ...process.env };
  delete clean.WEFT_DATABASE_URL;
  delete clean.WEFT_SPEND_CAP_DAY_USD;
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/weft.mjs', 'run', file, '--input', JSON.stringify({ text: TEXT })], {
      cwd: root,
      env: { ...clean, OPENAI_API_KEY: TEST_API_KEY, OPENAI_BASE_URL: fake.baseURL, WEFT_DATA_DIR: dirs.dataDir, ...env },
      timeout: 60_000,
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout, err: failed.stderr };
  }
}

describe('weft run under spend caps', () => {
  it('refuses a step over the flow\'s cap, counting what the data directory\'s run logs spent', async () => {
    const capped = summaryFlow([{ period: 'month', usd: stepUsd * 2.5 }]);
    const fresh = await weftRun(capped, { WEFT_DATA_DIR: join(dirs.dataDir, 'empty') });
    expect(fresh, `${fresh.out}\n${fresh.err}`).toMatchObject({ code: 0 }); // nothing spent yet: the cap leaves room
    expect(fake.requests).toHaveLength(1);
    fake.requests.length = 0;

    await spendTwoSteps(capped);
    const refused = await weftRun(capped, {});
    expect(refused, `${refused.out}\n${refused.err}`).toMatchObject({ code: 1 });
    expect(refused.out).toMatch(/failed at summarise: spend cap reached: flow "summary" may spend \$[\d.]+ per month \(\d{4}-\d\d, UTC\); spent \$[\d.]+, this step needs up to \$[\d.]+/);
    expect(fake.requests).toHaveLength(2);
  }, 120_000);

  it('holds WEFT_SPEND_CAP_DAY_USD over every flow, and refuses a bad one before running', async () => {
    await spendTwoSteps(summaryFlow());
    const refused = await weftRun(summaryFlow(), { WEFT_SPEND_CAP_DAY_USD: (stepUsd * 2.5).toFixed(6) });
    expect(refused, `${refused.out}\n${refused.err}`).toMatchObject({ code: 1 });
    expect(refused.out).toContain('spend cap reached: the server (WEFT_SPEND_CAP_DAY_USD) may spend');
    const bad = await weftRun(summaryFlow(), { WEFT_SPEND_CAP_DAY_USD: 'lots' });
    expect(bad, `${bad.out}\n${bad.err}`).toMatchObject({ code: 2 });
    expect(bad.err).toMatch(/WEFT_SPEND_CAP_DAY_USD: must be a dollar amount above 0/);
    expect(fake.requests).toHaveLength(2);
  }, 120_000);
});

describeWithDatabase('weft run under spend caps in database mode', (database) => {
  it('counts what the servers on the database spent, and what it spends counts for them', async () => {
    const capped = summaryFlow([{ period: 'day', usd: stepUsd * 3.5 }]);
    await spendTwoSteps(capped, database().url);
    const allowed = await weftRun(capped, { WEFT_DATABASE_URL: database().url });
    expect(allowed, `${allowed.out}\n${allowed.err}`).toMatchObject({ code: 0 });
    const refused = await weftRun(capped, { WEFT_DATABASE_URL: database().url });
    expect(refused, `${refused.out}\n${refused.err}`).toMatchObject({ code: 1 });
    expect(refused.out).toMatch(/spend cap reached: flow "summary" may spend \$[\d.]+ per day/);
    expect(fake.requests).toHaveLength(3);
  }, 120_000);
});
