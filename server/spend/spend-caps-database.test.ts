/**
 * Spend caps across servers in database mode: two real servers (two run managers, two connection
 * pools) on one fresh database, a fake OpenAI-compatible server that counts requests, and runs
 * started at once on both. The cap holds across them, and each server's cost view sees them all.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Flow } from '../../shared/flow.ts';
import { OPENAI_PRICES, worstCaseUsd } from '../../shared/pricing.ts';
import { flow } from '../../shared/testing/flow-builder.ts';
import type { ChatMessage } from '../engine/services.ts';
import { promptTokenCount } from '../executors/model/model-prompt.ts';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../providers/testing/fake-openai-server.ts';
import { TEST_API_KEY } from '../providers/testing/fake-provider.ts';
import { countTokens } from '../providers/tokens.ts';
import { describeWithDatabase } from '../store/postgres/testing/test-database.ts';
import { eventually, startTestServer, type TestServer } from '../testing/test-server.ts';

const root = new URL('../../', import.meta.url).pathname;
const MAX_TOKENS = 200;
const TEXT = 'The printer on floor 3 is on fire again.';
const stepUsd = worstCaseUsd(OPENAI_PRICES['gpt-4o-mini'], promptTokenCount({ countTokens }, 'gpt-4o-mini', [{ role: 'user', content: `Summarise: ${TEXT}` }]), MAX_TOKENS)!;

const capped: Flow = flow('capped', 'Capped')
  .input('ticket', { text: 'string' })
  .model('summarise', { prompt: 'Summarise: {{text}}', maxTokens: MAX_TOKENS, retries: 0 })
  .output('result', { summary: 'string' })
  .wire('ticket.text', 'summarise.text')
  .wire('summarise.result', 'result.summary')
  .with({ settings: { spendCaps: [{ period: 'day', usd: stepUsd * 7.5, timeZone: 'Europe/Berlin' }] } })
  .build();

describeWithDatabase('spend caps across servers on one database', (database) => {
  let fake: FakeOpenAIServer;
  const servers: TestServer[] = [];

  beforeAll(async () => {
    // Every reply costs exactly its worst case, so a cap of 7.5 worst cases covers exactly 7 steps.
    fake = await startFakeOpenAIServer((request) => ({
      kind: 'text',
      chunks: ['A fire.'],
      delayMs: 30,
      usage: { prompt_tokens: promptTokenCount({ countTokens }, 'gpt-4o-mini', request.body.messages as ChatMessage[]), completion_tokens: request.body.max_completion_tokens as number },
    }));
    for (let index = 0; index < 2; index++) {
      servers.push(await startTestServer({ env: { OPENAI_API_KEY: TEST_API_KEY, OPENAI_BASE_URL: fake.baseURL }, config: { databaseUrl: database().url } }));
    }
    // Saved, so the cost view knows the flow's caps (the runs carry the flow themselves).
    expect((await servers[0]!.api.put('/api/flows/capped', capped)).status).toBe(201);
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
    await fake?.close();
  });

  it('lets 20 runs started at once on two servers against a day cap that covers 7 steps make exactly 7 requests', async () => {
    const started = await Promise.all(Array.from({ length: 20 }, (_, index) => servers[index % 2]!.api.post('/api/runs', { flow: capped, inputs: { text: TEXT } })));
    expect(started.map((answer) => answer.status)).toEqual(Array(20).fill(201));
    const states = await Promise.all(
      started.map((answer, index) =>
        eventually(async () => {
          const state = (await servers[index % 2]!.api.get(`/api/runs/${answer.body.runId}`)).body;
          return state.status === 'running' ? undefined : state;
        }, 60_000, 'the run to end'),
      ),
    );
    expect(fake.requests).toHaveLength(7);
    expect(states.filter((state) => state.status === 'succeeded')).toHaveLength(7);
    const refused = states.filter((state) => state.status === 'failed');
    expect(refused).toHaveLength(13);
    for (const state of refused) {
      expect(state.steps.summarise.error.code).toBe('spend-cap');
      expect(state.steps.summarise.error.message).toMatch(/^spend cap reached: flow "capped" may spend \$[\d.]+ per day \(\d{4}-\d\d-\d\d, Europe\/Berlin\); spent \$[\d.]+.*, this step needs up to \$[\d.]+$/);
    }
    // Both servers ran some of the seven.
    const succeededOn = new Set(states.map((state, index) => (state.status === 'succeeded' ? index % 2 : -1)).filter((server) => server >= 0));
    expect(succeededOn.size).toBe(2);

    // Each server's cost view reads the database: all seven runs, whichever server ran them.
    const sum = states.reduce((total, state) => total + state.costUsd, 0);
    expect(sum).toBeCloseTo(stepUsd * 7, 12);
    for (const server of servers) {
      const view = (await server.api.get('/api/cost?flowId=capped')).body;
      expect(view.totalUsd).toBeCloseTo(sum, 12);
      expect(view.caps).toEqual([expect.objectContaining({ scope: 'flow', flowId: 'capped', period: 'day', leftUsd: expect.closeTo(stepUsd * 0.5, 12) })]);
    }
    // weft cost in database mode reads the same rows.
    const env: NodeJS.ProcessEnv = { ...process.env, WEFT_DATABASE_URL: database().url, WEFT_DATA_DIR: servers[0]!.dirs.dataDir };
    delete env.WEFT_SPEND_CAP_DAY_USD;
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/weft.mjs', 'cost', 'capped', '--json'], { cwd: root, env, timeout: 60_000 });
    expect(JSON.parse(stdout)).toMatchObject({ totalUsd: expect.closeTo(sum, 12), caps: [expect.objectContaining({ leftUsd: expect.closeTo(stepUsd * 0.5, 12) })] });
  }, 120_000);

  it('starts a period it has not counted yet from the runs the database holds', async () => {
    // As on a database whose runs predate the ledger: the period's row is made again from the run logs.
    // The servers that counted it are stopped first: with the queue, any of their workers could
    // execute the run, and a ledger that has counted a period does not look for its row again.
    for (const server of servers.splice(0)) await server.close();
    const admin = new pg.Client({ connectionString: database().url });
    await admin.connect();
    await admin.query('DELETE FROM spend_periods');
    await admin.end();
    const late = await startTestServer({ env: { OPENAI_API_KEY: TEST_API_KEY, OPENAI_BASE_URL: fake.baseURL }, config: { databaseUrl: database().url } });
    servers.push(late);
    const started = await late.api.post('/api/runs', { flow: capped, inputs: { text: TEXT } });
    const state = await eventually(async () => {
      const body = (await late.api.get(`/api/runs/${started.body.runId}`)).body;
      return body.status === 'running' ? undefined : body;
    }, 30_000, 'the run to end');
    expect(state.steps.summarise.error.code).toBe('spend-cap');
    expect(fake.requests).toHaveLength(7);
  }, 60_000);
});
