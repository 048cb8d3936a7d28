/**
 * `weft eval` against a local OpenAI-compatible server that counts requests: record then replay
 * (same verdicts, zero requests), an unrecorded request failing its case by step, `--compare`
 * costs equal to each variant's priced usage, and `--set` changing nothing on disk.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serializeFlow } from '../../shared/canonical.ts';
import { costUsd, findPrice } from '../../shared/pricing.ts';
import { basicFlow } from '../../shared/testing/flow-builder.ts';
import { startFakeOpenAIServer, textReply, type FakeOpenAIServer } from '../providers/testing/fake-openai-server.ts';
import { evalCommand } from './eval-command.ts';
import type { CliIo } from './output.ts';

/** Usage the server reports, per model: what each variant's cost must add up to. */
const USAGE: Record<string, { prompt_tokens: number; completion_tokens: number }> = {
  'gpt-4o-mini': { prompt_tokens: 120, completion_tokens: 7 },
  'gpt-4o': { prompt_tokens: 130, completion_tokens: 9 },
};

/** Usage the server reports for a grading call. */
const JUDGE_USAGE = { prompt_tokens: 200, completion_tokens: 15 };

function judgePrice(): number {
  return costUsd({ inputTokens: JUDGE_USAGE.prompt_tokens, outputTokens: JUDGE_USAGE.completion_tokens }, findPrice('gpt-4o')!);
}

/** The small model calls every ticket billing; the big one reads it. */
function answer(model: string, prompt: string): string {
  if (model === 'gpt-4o-mini') return 'billing';
  return prompt.includes('crash') ? 'bug' : 'billing';
}

let server: FakeOpenAIServer;
let dir: string;
let flowFile: string;

beforeEach(async () => {
  server = await startFakeOpenAIServer((request) => {
    const model = String(request.body?.model);
    const prompt = JSON.stringify(request.body?.messages ?? []);
    return textReply(answer(model, prompt), { usage: USAGE[model] ?? { prompt_tokens: 1, completion_tokens: 1 } });
  });
  dir = await mkdtemp(join(tmpdir(), 'weft-eval-'));
  const flow = basicFlow().build();
  flowFile = join(dir, `${flow.id}.flow.json`);
  await writeFile(flowFile, serializeFlow(flow));
  await writeFile(
    join(dir, `${flow.id}.cases.jsonl`),
    [
      '{"name":"double charge","tags":["billing"],"inputs":{"text":"I was charged twice"},"expect":{"status":"succeeded","outputs":{"answer":"billing"},"fired":["classify.result"]}}',
      '{"name":"crash","inputs":{"text":"The app crashes on start"},"expect":{"outputs":{"answer":{"$oneOf":["bug"]}}}}',
      '',
    ].join('\n'),
  );
});

afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function weftEval(...args: string[]) {
  return weftEvalAt(server.baseURL, ...args);
}

async function weftEvalAt(baseURL: string, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (text) => void out.push(text),
    err: (text) => void err.push(text),
    readFile: (path) => readFile(path, 'utf8'),
    writeFile: (path, text) => writeFile(path, text, 'utf8'),
    env: { OPENAI_API_KEY: 'sk-test-key', OPENAI_BASE_URL: baseURL },
  };
  const code = await evalCommand([flowFile, ...args], io);
  return { code, out: out.join(''), err: err.join('') };
}

interface JsonReport {
  variants: Array<{ label: string; summary: { passed: number; totalCostUsd: number; meanCostUsd: number; unsureRate: number }; results: Array<{ name: string; passed: boolean; differences: string[]; costUsd: number }> }>;
  changed: string[];
}

function priced(model: string, requests: number): number {
  const usage = USAGE[model]!;
  return requests * costUsd({ inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens }, findPrice(model)!);
}

describe('weft eval', () => {
  it('prints a table with the first difference and totals, and exits 1 when a case fails', async () => {
    const { code, out } = await weftEval();
    expect(code).toBe(1);
    expect(out).toMatch(/double charge\s+pass/);
    expect(out).toMatch(/crash\s+FAIL .*outputs\.answer: expected one of \["bug"\], got "billing"/);
    expect(out).toContain('1/2 passed (50%)');
    expect(server.requests).toHaveLength(2);
    const only = await weftEval('--case', 'double charge');
    expect(only.code).toBe(0);
    expect((await weftEval('--tag', 'billing')).code).toBe(0);
    expect(await weftEval('--case', 'crsh')).toMatchObject({ code: 2, err: expect.stringContaining('did you mean crash?') });
  });

  it('--record then --replay gives the same verdicts with zero requests, and costs nothing', async () => {
    const recorded = JSON.parse((await weftEval('--record', '--json')).out) as JsonReport;
    expect(server.requests).toHaveLength(2);
    const recordings = await readFile(join(dir, 'basic.recordings.jsonl'), 'utf8');
    expect(recordings).not.toContain('sk-test-key');
    expect(recordings).not.toContain('127.0.0.1');
    const replayed = JSON.parse((await weftEval('--replay', '--json')).out) as JsonReport;
    expect(server.requests).toHaveLength(2);
    expect(replayed.variants[0]!.results.map((result) => [result.name, result.passed, result.differences])).toEqual(recorded.variants[0]!.results.map((result) => [result.name, result.passed, result.differences]));
    expect(replayed.variants[0]!.summary.totalCostUsd).toBe(0);
    expect(recorded.variants[0]!.summary.totalCostUsd).toBeCloseTo(priced('gpt-4o-mini', 2), 12);
  });

  it('--replay fails a case naming the step when its request was not recorded', async () => {
    await weftEval('--record', '--case', 'double charge');
    const { code, out } = await weftEval('--replay', '--set', 'classify.model=gpt-4o');
    expect(code).toBe(1);
    expect(out).toContain('classify: no recording of this request to model "gpt-4o"');
    expect(server.requests).toHaveLength(1);
    expect(await weftEval('--replay', '--case', 'double charge')).toMatchObject({ code: 0 });
    expect(server.requests).toHaveLength(1);
  });

  it('--compare evaluates each variant; its costs are the sum of that variant\'s priced usage; changed verdicts are named', async () => {
    const before = await readFile(flowFile, 'utf8');
    const { code, out } = await weftEval('--compare', 'classify.model=gpt-4o-mini,gpt-4o', '--json');
    expect(code).toBe(1);
    const report = JSON.parse(out) as JsonReport;
    expect(report.variants.map((variant) => variant.label)).toEqual(['classify.model=gpt-4o-mini', 'classify.model=gpt-4o']);
    expect(server.requests.map((request) => request.body.model)).toEqual(['gpt-4o-mini', 'gpt-4o-mini', 'gpt-4o', 'gpt-4o']);
    expect(report.variants[0]!.summary.totalCostUsd).toBeCloseTo(priced('gpt-4o-mini', 2), 12);
    expect(report.variants[1]!.summary.totalCostUsd).toBeCloseTo(priced('gpt-4o', 2), 12);
    expect(report.variants[1]!.summary.meanCostUsd).toBeCloseTo(priced('gpt-4o', 1), 12);
    expect(report.variants.map((variant) => variant.summary.passed)).toEqual([1, 2]);
    expect(report.changed).toEqual(['crash']);
    expect(await readFile(flowFile, 'utf8')).toBe(before);

    const text = await weftEval('--compare', 'classify.model=gpt-4o-mini,gpt-4o');
    expect(text.out).toMatch(/pass rate\s+50% \(1\/2\)\s+100% \(2\/2\)/);
    expect(text.out).toMatch(/changed: crash\s+FAIL\s+pass/);
  });

  it('$judge grades through the model service: priced into the case, recorded, then replayed with zero requests', async () => {
    const judged = await startFakeOpenAIServer((request) => {
      const model = String(request.body?.model);
      if (request.body?.response_format?.type === 'json_schema') {
        const graded = JSON.stringify(request.body?.messages ?? []);
        return textReply(JSON.stringify({ pass: !graded.includes('billing'), reason: graded.includes('billing') ? 'billing is not a bug' : 'it is a bug' }), { usage: JUDGE_USAGE });
      }
      return textReply(answer(model, JSON.stringify(request.body?.messages ?? [])), { usage: USAGE[model] ?? { prompt_tokens: 1, completion_tokens: 1 } });
    });
    try {
      await writeFile(join(dir, 'basic.cases.jsonl'), '{"name":"crash","inputs":{"text":"The app crashes on start"},"expect":{"outputs":{"answer":{"$judge":{"model":"gpt-4o","criteria":"names a software bug"}}}}}\n');
      const run = (...args: string[]) => weftEvalAt(judged.baseURL, ...args);
      const live = await run('--compare', 'classify.model=gpt-4o-mini,gpt-4o', '--record', '--json');
      const report = JSON.parse(live.out) as JsonReport;
      // Each variant: one step of the flow, one grading call with a JSON-schema answer.
      expect(judged.requests.map((request) => [request.body.model, request.body.response_format?.type ?? 'text'])).toEqual([
        ['gpt-4o-mini', 'text'],
        ['gpt-4o', 'json_schema'],
        ['gpt-4o', 'text'],
        ['gpt-4o', 'json_schema'],
      ]);
      expect(judged.requests[1]!.body.response_format.json_schema.schema.required).toEqual(['pass', 'reason']);
      expect(report.variants.map((variant) => variant.results[0]!.differences)).toEqual([['outputs.answer: $judge (gpt-4o) failed it: billing is not a bug'], []]);
      expect(report.variants[0]!.results[0]!.costUsd).toBeCloseTo(priced('gpt-4o-mini', 1) + judgePrice(), 12);
      expect(report.variants[1]!.results[0]!.costUsd).toBeCloseTo(priced('gpt-4o', 1) + judgePrice(), 12);

      const replayed = JSON.parse((await run('--compare', 'classify.model=gpt-4o-mini,gpt-4o', '--replay', '--json')).out) as JsonReport;
      expect(judged.requests).toHaveLength(4);
      expect(replayed.variants.map((variant) => variant.results[0]!.differences)).toEqual(report.variants.map((variant) => variant.results[0]!.differences));
      expect(replayed.variants[1]!.summary.totalCostUsd).toBe(0);

      // A criterion not recorded: the grading step is named, and nothing is sent.
      await writeFile(join(dir, 'basic.cases.jsonl'), '{"name":"crash","inputs":{"text":"The app crashes on start"},"expect":{"outputs":{"answer":{"$judge":{"model":"gpt-4o","criteria":"is polite"}}}}}\n');
      const unrecorded = await run('--set', 'classify.model=gpt-4o', '--replay');
      expect(unrecorded.code).toBe(1);
      expect(unrecorded.out).toContain('$judge (gpt-4o) could not grade: judge: no recording of this request to model "gpt-4o"');
      expect(judged.requests).toHaveLength(4);
    } finally {
      await judged.close();
    }
  });

  it('refuses a --set that names no node or breaks the config, before anything runs', async () => {
    expect(await weftEval('--set', 'clasify.model=gpt-4o')).toMatchObject({ code: 2, err: expect.stringContaining('the flow has no node "clasify"') });
    expect(await weftEval('--set', 'classify.temperature="hot"')).toMatchObject({ code: 2, err: expect.stringContaining('makes the flow invalid') });
    expect(await weftEval('--compare', 'classify.model=gpt-4o')).toMatchObject({ code: 2, err: expect.stringContaining('two or more values') });
    expect(await weftEval('--record', '--replay')).toMatchObject({ code: 2 });
    expect(server.requests).toHaveLength(0);
  });
});
