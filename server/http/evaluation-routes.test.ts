/**
 * Cases and evaluations over real HTTP, with a local OpenAI-compatible server that counts
 * requests: saving cases (canonical, checked against the flow, 400 naming the line and path), the
 * estimate before running, an evaluation polled to its end with per-case results, and two variants
 * side by side whose costs are their priced usage. Every answer parses with the shared wire schema.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costUsd, findPrice } from '../../shared/pricing.ts';
import { basicFlow } from '../../shared/testing/flow-builder.ts';
import { casesAnswer, evaluationAnswer, evaluationEstimateAnswer, evaluationStartedAnswer, type EvaluationAnswer } from '../../shared/wire/evaluation.ts';
import { startFakeOpenAIServer, textReply, type FakeOpenAIServer } from '../providers/testing/fake-openai-server.ts';
import { eventually, startTestServer, type TestServer } from '../testing/test-server.ts';

const USAGE: Record<string, { prompt_tokens: number; completion_tokens: number }> = {
  'gpt-4o-mini': { prompt_tokens: 120, completion_tokens: 7 },
  'gpt-4o': { prompt_tokens: 130, completion_tokens: 9 },
};

function priced(model: string, requests: number): number {
  const usage = USAGE[model]!;
  return requests * costUsd({ inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens }, findPrice(model)!);
}

let fake: FakeOpenAIServer;
let test: TestServer;
const flow = basicFlow().build();

beforeAll(async () => {
  fake = await startFakeOpenAIServer((request) => {
    const model = String(request.body?.model);
    const prompt = JSON.stringify(request.body?.messages ?? []);
    const answer = model === 'gpt-4o' && prompt.includes('crash') ? 'bug' : 'billing';
    return textReply(answer, { usage: USAGE[model]! });
  });
  test = await startTestServer({ env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.baseURL } });
  expect((await test.api.put(`/api/flows/${flow.id}`, flow)).status).toBe(201);
});
afterAll(async () => {
  await test.close();
  await fake.close();
});

const CASES = [
  { name: 'double charge', inputs: { text: 'I was charged twice' }, expect: { outputs: { answer: 'billing' }, status: 'succeeded' } },
  { name: 'crash', inputs: { text: 'The app crashes' }, expect: { outputs: { answer: { $oneOf: ['bug'] } } } },
];

async function finished(evaluationId: string): Promise<EvaluationAnswer> {
  const answer = await eventually(async () => {
    const response = await test.api.get(`/api/evaluations/${evaluationId}`);
    return response.body?.status === 'running' ? undefined : response.body;
  }, 30_000, 'the evaluation to finish');
  return evaluationAnswer.parse(answer);
}

describe('cases', () => {
  it('saves canonical lines beside the flow and reads them back', async () => {
    expect(casesAnswer.parse((await test.api.get(`/api/flows/${flow.id}/cases`)).body)).toEqual({ cases: [], problems: [], file: 'basic.cases.jsonl' });
    const saved = await test.api.put(`/api/flows/${flow.id}/cases`, { cases: CASES });
    expect(saved.status, saved.text).toBe(200);
    const text = await readFile(join(test.dirs.flowsDir, 'basic.cases.jsonl'), 'utf8');
    expect(text).toBe(
      '{"name":"double charge","inputs":{"text":"I was charged twice"},"expect":{"status":"succeeded","outputs":{"answer":"billing"}}}\n{"name":"crash","inputs":{"text":"The app crashes"},"expect":{"outputs":{"answer":{"$oneOf":["bug"]}}}}\n',
    );
    expect(casesAnswer.parse((await test.api.get(`/api/flows/${flow.id}/cases`)).body).cases.map((evaluationCase) => evaluationCase.name)).toEqual(['double charge', 'crash']);
  });

  it('refuses cases that break the file\'s rules or do not fit the flow, naming the line and path, and keeps the file', async () => {
    const before = await readFile(join(test.dirs.flowsDir, 'basic.cases.jsonl'), 'utf8');
    const bad = await test.api.put(`/api/flows/${flow.id}/cases`, { cases: [CASES[0], { name: 'x', inputs: { text: 'a' }, expect: { status: 'done' } }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues).toEqual([{ path: 'body.cases.1', message: 'line 2: expect.status: Invalid option: expected one of "succeeded"|"failed"|"waiting"' }]);
    const misfit = await test.api.put(`/api/flows/${flow.id}/cases`, { cases: [{ name: 'y', inputs: { txt: 'a' }, expect: { outputs: { nope: 1 } } }] });
    expect(misfit.status).toBe(400);
    expect(misfit.body.error.issues.map((issue: { path: string }) => issue.path)).toEqual(['body.cases.0', 'body.cases.0', 'body.cases.0']);
    expect(misfit.body.error.message).toContain('the flow has no output "nope"');
    expect((await test.api.put(`/api/flows/${flow.id}/cases`, { cases: [{ name: 'z', inputs: { text: 'a' }, expect: {}, ['__proto__']: 1 }] })).status).toBe(400);
    expect((await test.api.put('/api/flows/nope/cases', { cases: [] })).status).toBe(404);
    expect(await readFile(join(test.dirs.flowsDir, 'basic.cases.jsonl'), 'utf8')).toBe(before);
  });
});

describe('evaluations', () => {
  it('estimates, then runs every case in the background with per-case results and totals', async () => {
    const estimate = evaluationEstimateAnswer.parse((await test.api.post(`/api/flows/${flow.id}/evaluations/estimate`, {})).body);
    expect(estimate.caseCount).toBe(2);
    expect(estimate.variants[0]!.totalUsd).toBeGreaterThan(0);
    expect(fake.requests).toHaveLength(0);

    const started = await test.api.post(`/api/flows/${flow.id}/evaluations`, {});
    expect(started.status).toBe(202);
    const { evaluationId } = evaluationStartedAnswer.parse(started.body);
    const answer = await finished(evaluationId);
    expect(answer.status).toBe('finished');
    expect(answer.variants).toHaveLength(1);
    expect(answer.variants[0]!.results.map((result) => [result.name, result.passed, result.differences[0]])).toEqual([
      ['double charge', true, undefined],
      ['crash', false, 'outputs.answer: expected one of ["bug"], got "billing"'],
    ]);
    expect(answer.variants[0]!.summary.totalCostUsd).toBeCloseTo(priced('gpt-4o-mini', 2), 12);
    expect(fake.requests).toHaveLength(2);
    expect((await test.api.get(`/api/flows/${flow.id}`)).body.nodes.find((node: { id: string }) => node.id === 'classify').config.model).toBe('gpt-4o-mini');
  });

  it('runs two variants side by side; each costs its priced usage; changed verdicts are named', async () => {
    fake.requests.length = 0;
    const started = await test.api.post(`/api/flows/${flow.id}/evaluations`, { variants: [{ set: {} }, { set: { 'classify.model': 'gpt-4o' } }] });
    const answer = await finished(evaluationStartedAnswer.parse(started.body).evaluationId);
    expect(answer.variants.map((variant) => variant.label)).toEqual(['as saved', 'classify.model=gpt-4o']);
    expect(fake.requests.map((request) => request.body.model)).toEqual(['gpt-4o-mini', 'gpt-4o-mini', 'gpt-4o', 'gpt-4o']);
    expect(answer.variants[1]!.summary.totalCostUsd).toBeCloseTo(priced('gpt-4o', 2), 12);
    expect(answer.variants.map((variant) => variant.summary.passed)).toEqual([1, 2]);
    expect(answer.changed).toEqual(['crash']);
    // The variant was for this evaluation only: the saved flow is unchanged.
    expect((await test.api.get(`/api/flows/${flow.id}`)).body.nodes.find((node: { id: string }) => node.id === 'classify').config.model).toBe('gpt-4o-mini');
  });

  it('refuses bad variants, unknown cases and a second evaluation while one runs, before anything is sent', async () => {
    fake.requests.length = 0;
    const unknownNode = await test.api.post(`/api/flows/${flow.id}/evaluations`, { variants: [{ set: { 'clasify.model': 'gpt-4o' } }] });
    expect(unknownNode.status).toBe(400);
    expect(unknownNode.body.error.message).toContain('the flow has no node "clasify"');
    expect((await test.api.post(`/api/flows/${flow.id}/evaluations`, { variants: [{ set: {} }, { set: {} }, { set: {} }] })).status).toBe(400);
    expect((await test.api.post(`/api/flows/${flow.id}/evaluations`, { cases: ['crsh'] })).body.error.message).toContain('no case "crsh"');
    expect((await test.api.get('/api/evaluations/unknown-id')).status).toBe(404);
    expect(fake.requests).toHaveLength(0);

    // The first evaluation's model request is held at the server until the second has been refused.
    fake.reply(textReply('billing', { usage: USAGE['gpt-4o-mini']!, delayMs: 5_000 }));
    const first = await test.api.post(`/api/flows/${flow.id}/evaluations`, { cases: ['crash'] });
    await fake.waitForRequests(1);
    const second = await test.api.post(`/api/flows/${flow.id}/evaluations`, { cases: ['crash'] });
    expect(first.status).toBe(202);
    expect(second.status).toBe(409);
    await finished(first.body.evaluationId);
  });
});
