/**
 * Evaluates a flow's cases one after another and sums up a variant: pass rate, total and mean
 * priced cost, p50/p95 duration, unsure rate. Cases run in turn, not at once, so a provider's
 * rate limit and the machine's cores are not the evaluation's bottleneck.
 */
import { judgeCase, type EvaluationCase } from '../../shared/cases.ts';
import type { Flow } from '../../shared/flow.ts';
import type { EngineServices } from '../engine/index.ts';
import { judgeOutputs } from './judge.ts';
import { runCase } from './run-case.ts';

export interface CaseResult {
  name: string;
  passed: boolean;
  /** Every difference from the expectation, first first; empty when it passed. */
  differences: string[];
  status: string;
  /** The run's priced cost plus what grading its `$judge` expectations cost; null when unpriced. */
  costUsd: number | null;
  durationMs: number;
  unsure: boolean;
  outputs: Record<string, unknown>;
}

export interface EvaluationSummary {
  cases: number;
  passed: number;
  passRate: number;
  /** null when a case had an unpriced step. */
  totalCostUsd: number | null;
  meanCostUsd: number | null;
  p50DurationMs: number;
  p95DurationMs: number;
  unsureRate: number;
}

/** Runs each case in turn; `onResult` hears each result as it is made (the designer polls them). */
export async function evaluateCases(flow: Flow, cases: readonly EvaluationCase[], services: EngineServices, onResult?: (result: CaseResult) => void): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const evaluationCase of cases) {
    const run = await runCase(flow, evaluationCase.inputs, services);
    const judged = await judgeOutputs(flow, evaluationCase.expect, run.outputs, services);
    // maxCostUsd holds the flow's own run to account; the grading is the evaluation's cost, counted in the case's.
    const differences = judgeCase(evaluationCase.expect, run, judged.verdicts);
    const costUsd = run.costUsd === null || judged.costUsd === null ? null : run.costUsd + judged.costUsd;
    const result = { name: evaluationCase.name, passed: differences.length === 0, differences, status: run.status, costUsd, durationMs: run.durationMs, unsure: run.unsure, outputs: run.outputs };
    results.push(result);
    onResult?.(result);
  }
  return results;
}

/** The nearest-rank percentile of sorted values (0 for none). */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

export function summarise(results: readonly CaseResult[]): EvaluationSummary {
  const passed = results.filter((result) => result.passed).length;
  const priced = results.every((result) => result.costUsd !== null);
  const totalCostUsd = priced ? results.reduce((sum, result) => sum + (result.costUsd ?? 0), 0) : null;
  const durations = results.map((result) => result.durationMs).sort((a, b) => a - b);
  const count = results.length;
  return {
    cases: count,
    passed,
    passRate: count === 0 ? 0 : passed / count,
    totalCostUsd,
    meanCostUsd: totalCostUsd === null || count === 0 ? totalCostUsd : totalCostUsd / count,
    p50DurationMs: percentile(durations, 0.5),
    p95DurationMs: percentile(durations, 0.95),
    unsureRate: count === 0 ? 0 : results.filter((result) => result.unsure).length / count,
  };
}

/** Cases whose verdict differs between two variants' results, by name. */
export function changedVerdicts(first: readonly CaseResult[], second: readonly CaseResult[]): string[] {
  return first.filter((result) => second.some((other) => other.name === result.name && other.passed !== result.passed)).map((result) => result.name);
}
