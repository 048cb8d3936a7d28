/**
 * The cost view's figures, added up from cost records (shared/cost-records.ts): spend per day,
 * by model, by step, the most expensive runs, cached tokens and what they saved, and what each
 * spend cap has left in its current period. The same summary feeds `GET /api/cost`, the designer's
 * Cost tab and `weft cost`.
 */
import { z } from 'zod';
import type { CostRecord } from './cost-records.ts';
import { calendarPeriod, DEFAULT_SPEND_TIME_ZONE, type SpendCap } from './spend-caps.ts';

/** How many of the most expensive runs the summary lists. */
export const TOP_RUNS = 10;

export const costSummarySchema = z.object({
  flowId: z.string().optional(),
  since: z.string().optional(),
  totalUsd: z.number(),
  /** Model steps' attempts whose model has no known price (their cost is not in the totals). */
  unpricedAttempts: z.number().int().min(0),
  cachedInputTokens: z.number().int().min(0),
  cachedSavingUsd: z.number(),
  /** UTC calendar days, oldest first, only days with spend. */
  byDay: z.array(z.object({ day: z.string(), usd: z.number() })),
  byModel: z.array(z.object({ model: z.string(), usd: z.number(), inputTokens: z.number(), cachedInputTokens: z.number(), outputTokens: z.number(), attempts: z.number() })),
  byStep: z.array(z.object({ flowId: z.string(), nodeId: z.string(), usd: z.number(), attempts: z.number() })),
  topRuns: z.array(z.object({ runId: z.string(), flowId: z.string(), usd: z.number(), at: z.string() })),
  caps: z.array(
    z.object({
      scope: z.enum(['flow', 'server']),
      flowId: z.string().optional(),
      period: z.enum(['day', 'month']),
      periodKey: z.string(),
      timeZone: z.string(),
      capUsd: z.number(),
      spentUsd: z.number(),
      leftUsd: z.number(),
    }),
  ),
});
export type CostSummary = z.infer<typeof costSummarySchema>;

export interface CapToSummarise extends SpendCap {
  scope: 'flow' | 'server';
  flowId?: string;
}

function descending<T extends { usd: number }>(rows: T[]): T[] {
  return rows.sort((a, b) => b.usd - a.usd);
}

/** `records`: every record in the view (already filtered by flow and date); `capRecords`: what the caps count (all of the current periods). */
export function summariseCosts(records: readonly CostRecord[], options: { flowId?: string; since?: string; caps?: readonly CapToSummarise[]; capRecords?: readonly CostRecord[]; now?: Date } = {}): CostSummary {
  const days = new Map<string, number>();
  const models = new Map<string, CostSummary['byModel'][number]>();
  const steps = new Map<string, CostSummary['byStep'][number]>();
  const runs = new Map<string, CostSummary['topRuns'][number]>();
  let totalUsd = 0;
  let unpricedAttempts = 0;
  let cachedInputTokens = 0;
  let cachedSavingUsd = 0;
  for (const record of records) {
    const usd = record.usd ?? 0;
    if (record.usd === null) unpricedAttempts++;
    totalUsd += usd;
    cachedInputTokens += record.cachedInputTokens;
    cachedSavingUsd += record.cachedSavingUsd;
    const day = record.at.slice(0, 10);
    days.set(day, (days.get(day) ?? 0) + usd);
    const model = models.get(record.model) ?? { model: record.model, usd: 0, inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, attempts: 0 };
    Object.assign(model, { usd: model.usd + usd, inputTokens: model.inputTokens + record.inputTokens, cachedInputTokens: model.cachedInputTokens + record.cachedInputTokens, outputTokens: model.outputTokens + record.outputTokens, attempts: model.attempts + 1 });
    models.set(record.model, model);
    const stepKey = `${record.flowId}\u0000${record.nodeId}`;
    const step = steps.get(stepKey) ?? { flowId: record.flowId, nodeId: record.nodeId, usd: 0, attempts: 0 };
    Object.assign(step, { usd: step.usd + usd, attempts: step.attempts + 1 });
    steps.set(stepKey, step);
    const run = runs.get(record.runId) ?? { runId: record.runId, flowId: record.flowId, usd: 0, at: record.at };
    Object.assign(run, { usd: run.usd + usd, at: record.at < run.at ? record.at : run.at });
    runs.set(record.runId, run);
  }
  const now = options.now ?? new Date();
  const caps = (options.caps ?? []).map((cap) => {
    const timeZone = cap.timeZone ?? DEFAULT_SPEND_TIME_ZONE;
    const periodKey = calendarPeriod(now, cap.period, timeZone);
    let spentUsd = 0;
    for (const record of options.capRecords ?? records) {
      if (cap.scope === 'flow' && record.flowId !== cap.flowId) continue;
      if (calendarPeriod(new Date(record.at), cap.period, timeZone) === periodKey) spentUsd += record.usd ?? 0;
    }
    return { scope: cap.scope, ...(cap.flowId !== undefined ? { flowId: cap.flowId } : {}), period: cap.period, periodKey, timeZone, capUsd: cap.usd, spentUsd, leftUsd: Math.max(0, cap.usd - spentUsd) };
  });
  return {
    ...(options.flowId !== undefined ? { flowId: options.flowId } : {}),
    ...(options.since !== undefined ? { since: options.since } : {}),
    totalUsd,
    unpricedAttempts,
    cachedInputTokens,
    cachedSavingUsd,
    byDay: [...days].sort(([a], [b]) => (a < b ? -1 : 1)).map(([day, usd]) => ({ day, usd })),
    byModel: descending([...models.values()]),
    byStep: descending([...steps.values()]),
    topRuns: descending([...runs.values()]).slice(0, TOP_RUNS),
    caps,
  };
}
