/**
 * Replay and what-if over real HTTP, with a local OpenAI-compatible server that counts requests:
 * a replay sends nothing and reproduces the outputs; a what-if re-sends only the changed step and
 * what follows it, and its cost delta is exactly the priced usage of what changed.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { costUsd, findPrice } from '../../shared/pricing.ts';
import { flow } from '../../shared/testing/flow-builder.ts';
import { startFakeOpenAIServer, textReply, type FakeOpenAIServer } from '../providers/testing/fake-openai-server.ts';
import { runCommand } from '../cli/run-command.ts';
import { eventually, startTestServer, type TestServer } from '../testing/test-server.ts';

const USAGE: Record<string, { prompt_tokens: number; completion_tokens: number }> = {
  'gpt-4o-mini': { prompt_tokens: 100, completion_tokens: 10 },
  'gpt-4o': { prompt_tokens: 100, completion_tokens: 12 },
};

function priced(model: string): number {
  const usage = USAGE[model]!;
  return costUsd({ inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens }, findPrice(model)!);
}

/** input -> summary -> translation -> out, and input -> title -> out beside them. */
const chain = flow('chain')
  .input('in', { text: 'string' })
  .model('summary', { prompt: 'Summarise: {{text}}' })
  .model('translation', { prompt: 'Translate: {{text}}' })
  .model('title', { prompt: 'Title for: {{text}}' })
  .output('out', { translated: 'string', title: 'string' })
  .wire('in.text', 'summary.text')
  .wire('summary.result', 'translation.text')
  .wire('in.text', 'title.text')
  .wire('translation.result', 'out.translated')
  .wire('title.result', 'out.title')
  .build();

let fake: FakeOpenAIServer;
let test: TestServer;
let original: string;

beforeAll(async () => {
  fake = await startFakeOpenAIServer((request) => {
    const model = String(request.body?.model);
    const prompt = String(request.body?.messages?.at(-1)?.content ?? '');
    return textReply(`${model} says ${prompt.split(':')[0]}`, { usage: USAGE[model]! });
  });
  test = await startTestServer({ env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.baseURL } });
});
afterAll(async () => {
  await test.close();
  await fake.close();
});

beforeEach(async () => {
  const started = await test.api.post('/api/runs', { flow: chain, inputs: { text: 'a long story' } });
  expect(started.status).toBe(201);
  original = started.body.runId;
  await eventually(async () => ((await test.api.get(`/api/runs/${original}`)).body.status === 'succeeded' ? true : undefined), 20_000, 'the original run to succeed');
  fake.requests.length = 0;
});

describe('POST /api/runs/:runId/replay', () => {
  it('replays a finished run from its log: no request, identical outputs, $0', async () => {
    const replayed = await test.api.post(`/api/runs/${original}/replay`, {});
    expect(replayed.status).toBe(201);
    expect(fake.requests).toHaveLength(0);
    expect(replayed.body).toMatchObject({ originalRunId: original, status: 'succeeded', identical: true, reused: ['summary', 'title', 'translation'] });
    expect(replayed.body.outputs.new).toEqual({ translated: 'gpt-4o-mini says Translate', title: 'gpt-4o-mini says Title for' });
    expect(replayed.body.cost.newUsd).toBe(0);
    expect(replayed.body.cost.originalUsd).toBeCloseTo(3 * priced('gpt-4o-mini'), 12);
    const state = (await test.api.get(`/api/runs/${replayed.body.runId}`)).body;
    expect(state.status).toBe('succeeded');
  });

  it('refuses a run that calls other flows, naming the call, and sends nothing', async () => {
    const child = flow('replay-child').input('in', { text: 'string' }).model('say', { prompt: 'Say: {{text}}' }).output('out', { said: 'string' }).wire('in.text', 'say.text').wire('say.result', 'out.said').build();
    expect((await test.api.put('/api/flows/replay-child', child)).status).toBeLessThan(300);
    const parent = flow('replay-parent')
      .input('in', { text: 'string' })
      .node({ id: 'call', kind: 'subflow', config: { flow: 'replay-child' } })
      .output('out', { said: 'string' })
      .wire('in.text', 'call.text')
      .wire('call.said', 'out.said')
      .build();
    const started = await test.api.post('/api/runs', { flow: parent, inputs: { text: 'hi' } });
    expect(started.status).toBe(201);
    await eventually(async () => ((await test.api.get(`/api/runs/${started.body.runId}`)).body.status === 'succeeded' ? true : undefined), 20_000, 'the composed run to succeed');
    fake.requests.length = 0;
    for (const path of ['replay', 'what-if']) {
      const answer = await test.api.post(`/api/runs/${started.body.runId}/${path}`, path === 'replay' ? {} : { set: { 'call.flow': 'replay-child' } });
      expect(answer.status).toBe(409);
      expect(answer.body.error.message).toMatch(/call -> replay-child/);
    }
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a run that does not exist', async () => {
    expect((await test.api.post('/api/runs/nope/replay', {})).status).toBe(404);
  });
});

describe('POST /api/runs/:runId/what-if', () => {
  it('re-sends only the changed step and its downstream, and reports the exact cost delta', async () => {
    const answer = await test.api.post(`/api/runs/${original}/what-if`, { set: { 'translation.model': 'gpt-4o' } });
    expect(answer.status).toBe(201);
    expect(fake.requests.map((request) => request.body.model)).toEqual(['gpt-4o']);
    expect(answer.body).toMatchObject({ status: 'succeeded', identical: false, reused: ['summary', 'title'], outputs: { changedFields: ['translated'] } });
    expect(answer.body.outputs.new.translated).toBe('gpt-4o says Translate');
    const steps = Object.fromEntries(answer.body.cost.steps.map((step: { nodeId: string; deltaUsd: number }) => [step.nodeId, step.deltaUsd]));
    expect(steps.summary).toBeCloseTo(-priced('gpt-4o-mini'), 12);
    expect(steps.title).toBeCloseTo(-priced('gpt-4o-mini'), 12);
    expect(steps.translation).toBeCloseTo(priced('gpt-4o') - priced('gpt-4o-mini'), 12);
    expect(answer.body.cost.newUsd).toBeCloseTo(priced('gpt-4o'), 12);
    expect(answer.body.cost.deltaUsd).toBeCloseTo(priced('gpt-4o') - 3 * priced('gpt-4o-mini'), 12);

    // The new run's own log says which steps were taken from the original at $0, and the run state shows it.
    const events = (await test.api.get(`/api/runs/${answer.body.runId}/events?after=0`)).body.events as Array<{ type: string; nodeId?: string; final?: boolean; reusedFrom?: string; usd?: number }>;
    const finalCosts = Object.fromEntries(events.filter((event) => event.type === 'step.cost' && event.final).map((event) => [event.nodeId, event]));
    expect(finalCosts.summary).toMatchObject({ reusedFrom: original, usd: 0 });
    expect(finalCosts.title).toMatchObject({ reusedFrom: original, usd: 0 });
    expect(finalCosts.translation!.reusedFrom).toBeUndefined();
    const state = (await test.api.get(`/api/runs/${answer.body.runId}`)).body;
    expect([state.steps.summary.reusedFrom, state.steps.title.reusedFrom, state.steps.translation.reusedFrom]).toEqual([original, original, undefined]);
  });

  it('changing the first step re-sends it and everything after it, not the branch beside it', async () => {
    const answer = await test.api.post(`/api/runs/${original}/what-if`, { set: { 'summary.model': 'gpt-4o' } });
    expect(answer.status).toBe(201);
    expect(fake.requests.map((request) => request.body.model).sort()).toEqual(['gpt-4o', 'gpt-4o-mini']);
    expect(answer.body.reused).toEqual(['title']);
  });

  it('a changed step runs live even when what it sends looks the same as before (a temperature is not in the log), and so does what follows it', async () => {
    const answer = await test.api.post(`/api/runs/${original}/what-if`, { set: { 'summary.temperature': 0.5 } });
    expect(answer.status).toBe(201);
    expect(fake.requests.map((request) => request.body.messages.at(-1).content.split(':')[0])).toEqual(['Summarise', 'Translate']);
    expect(fake.requests[0]!.body.temperature).toBe(0.5);
    expect(answer.body).toMatchObject({ identical: true, reused: ['title'] });
    expect(answer.body.cost.deltaUsd).toBeCloseTo(-priced('gpt-4o-mini'), 12);
  });

  it('refuses a setting that names no node, or breaks the node, naming it', async () => {
    const noNode = await test.api.post(`/api/runs/${original}/what-if`, { set: { 'nobody.model': 'gpt-4o' } });
    expect(noNode.status).toBe(400);
    expect(noNode.body.error.message).toContain('the flow has no node "nobody"');
    const bad = await test.api.post(`/api/runs/${original}/what-if`, { set: { 'summary.temperature': 'hot' } });
    expect(bad.status).toBe(400);
    expect((await test.api.post(`/api/runs/${original}/what-if`, { set: {} })).status).toBe(400);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('weft run --replay-of RUN_ID', () => {
  async function replayOf(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const env = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.baseURL, WEFT_DATA_DIR: test.dirs.dataDir };
    const code = await runCommand(args, { out: (text) => void out.push(text), err: (text) => void err.push(text), readFile: (path) => readFile(path, 'utf8'), writeFile: (path, text) => writeFile(path, text), env });
    return { code, out: out.join(''), err: err.join('') };
  }

  it('replays a run of the data directory in memory with no request, and says the outputs are identical', async () => {
    const { code, out } = await replayOf('--replay-of', original);
    expect(out).toBe(`replayed ${original} at $0: succeeded, outputs identical\n`);
    expect(code).toBe(0);
    expect(fake.requests).toHaveLength(0);
    const json = JSON.parse((await replayOf('--replay-of', original, '--json')).out);
    expect(json).toMatchObject({ identical: true, reused: ['summary', 'title', 'translation'], cost: { newUsd: 0 } });
  });

  it('exits 2 naming the file for a run it cannot find', async () => {
    const { code, err } = await replayOf('--replay-of', 'no-such-run');
    expect(code).toBe(2);
    expect(err).toContain('file not found');
    expect(err).toContain('no-such-run.jsonl');
  });
});
