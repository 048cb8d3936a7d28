/**
 * `$judge`: a model grades an output value against criteria in words. The grade is a run of a
 * one-step flow (input → model → output) through the same engine and model service as the case,
 * so the call is priced, held to the spend caps, recorded with `--record` and answered from
 * recordings with `--replay`, exactly like a model step of the flow. Its answer is JSON checked
 * against {pass, reason}.
 */
import { judgeMatcherOf, type JudgeMatcher, type JudgeVerdict } from '../../shared/case-matchers.ts';
import type { CaseExpectation } from '../../shared/cases.ts';
import type { Flow } from '../../shared/flow.ts';
import type { EngineServices } from '../engine/index.ts';
import { runCase } from './run-case.ts';

/** The step that grades; a failure of the grade names it (`judge: no recording of …`). */
export const JUDGE_NODE = 'judge';

const VERDICT_SCHEMA = {
  type: 'object',
  properties: {
    pass: { type: 'boolean', description: 'True when the output meets every criterion' },
    reason: { type: 'string', description: 'Why, in one sentence' },
  },
  required: ['pass', 'reason'],
  additionalProperties: false,
};

const SYSTEM = 'You grade one output of an automated workflow against the criteria given. Judge only what the criteria ask. Answer with pass (true only when the output meets every criterion) and a one-sentence reason.';

/** The flow that grades a value. It takes the graded flow's id and spend caps, so its spending counts where the flow's does. */
export function judgeFlow(matcher: JudgeMatcher, gradedFlow: Flow): Flow {
  const spendCaps = gradedFlow.settings?.spendCaps;
  return {
    schemaVersion: 1,
    id: gradedFlow.id,
    name: `${gradedFlow.name}: $judge`,
    ...(spendCaps ? { settings: { spendCaps } } : {}),
    nodes: [
      { id: 'value', kind: 'input', position: { x: 0, y: 0 }, config: { fields: [{ name: 'criteria', type: 'string' }, { name: 'output', type: 'any' }] } },
      {
        id: JUDGE_NODE,
        kind: 'model',
        position: { x: 300, y: 0 },
        config: {
          model: matcher.model,
          system: SYSTEM,
          prompt: 'Criteria:\n{{criteria}}\n\nOutput:\n{{output}}',
          inputs: [{ name: 'criteria', type: 'string' }, { name: 'output', type: 'any' }],
          output: { type: 'json', schema: VERDICT_SCHEMA },
          temperature: 0,
          maxTokens: 300,
        },
      },
      { id: 'verdict', kind: 'output', position: { x: 600, y: 0 }, config: { fields: [{ name: 'verdict', type: 'json' }] } },
    ],
    edges: [
      { from: 'value.criteria', to: `${JUDGE_NODE}.criteria` },
      { from: 'value.output', to: `${JUDGE_NODE}.output` },
      { from: `${JUDGE_NODE}.result`, to: 'verdict.verdict' },
    ],
  };
}

export interface Judgements {
  /** The grade of each output field expected with `$judge`. */
  verdicts: Record<string, JudgeVerdict>;
  /** What the grading cost; null when a grading model is unpriced. */
  costUsd: number | null;
}

function verdictOf(outputs: Record<string, unknown>): JudgeVerdict {
  const verdict = outputs.verdict as { pass?: unknown; reason?: unknown } | undefined;
  if (typeof verdict?.pass !== 'boolean' || typeof verdict.reason !== 'string') return { error: 'the model gave no verdict' };
  return { pass: verdict.pass, reason: verdict.reason };
}

/** Grades every output field the expectation holds to a `$judge`, one model call each (none for a value that is missing). */
export async function judgeOutputs(flow: Flow, expect: CaseExpectation, outputs: Record<string, unknown>, services: EngineServices): Promise<Judgements> {
  const verdicts: Record<string, JudgeVerdict> = {};
  let costUsd: number | null = 0;
  for (const [field, expected] of Object.entries(expect.outputs ?? {})) {
    const matcher = judgeMatcherOf(expected);
    if (!matcher || !Object.hasOwn(outputs, field) || outputs[field] === undefined) continue;
    const run = await runCase(judgeFlow(matcher, flow), { criteria: matcher.criteria, output: outputs[field] }, services);
    costUsd = costUsd === null || run.costUsd === null ? null : costUsd + run.costUsd;
    verdicts[field] = run.status === 'succeeded' ? verdictOf(run.outputs) : { error: run.error ?? `the grading run ended ${run.status}` };
  }
  return { verdicts, costUsd };
}
