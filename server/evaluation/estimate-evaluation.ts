/**
 * What an evaluation may cost before it runs, per variant: the worst case of every case's run
 * (server/estimate.ts) plus one grading per `$judge` expectation. A prompt built from a step's
 * output is counted by its template alone, so the figure is a lower bound there, as in the run dialog.
 */
import { judgeMatcherOf } from '../../shared/case-matchers.ts';
import type { EvaluationCase } from '../../shared/cases.ts';
import type { Flow } from '../../shared/flow.ts';
import type { FlowEstimate } from '../estimate.ts';
import { judgeFlow } from './judge.ts';

export interface VariantEstimate {
  label: string;
  totalUsd: number;
  unpricedSteps: string[];
}

export function estimateEvaluation(variants: ReadonlyArray<{ label: string; flow: Flow }>, cases: readonly EvaluationCase[], estimate: (flow: Flow, inputs: Record<string, unknown>) => FlowEstimate): VariantEstimate[] {
  return variants.map((variant) => {
    let totalUsd = 0;
    const unpriced = new Set<string>();
    const add = (result: FlowEstimate) => {
      totalUsd += result.totalUsd;
      for (const step of result.unpricedSteps) unpriced.add(step);
    };
    for (const evaluationCase of cases) {
      add(estimate(variant.flow, evaluationCase.inputs));
      for (const expected of Object.values(evaluationCase.expect.outputs ?? {})) {
        const matcher = judgeMatcherOf(expected);
        if (matcher) add(estimate(judgeFlow(matcher, variant.flow), { criteria: matcher.criteria }));
      }
    }
    return { label: variant.label, totalUsd, unpricedSteps: [...unpriced].sort() };
  });
}
