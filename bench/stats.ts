/**
 * Shared statistics and result shapes for `npm run bench`: median and percentiles over repeated
 * samples (after warm-up), and the figure/report types every benchmark returns to bench/run.ts.
 */

export interface Summary {
  count: number;
  median: number;
  p10: number;
  p90: number;
  p50: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

/** Linear-interpolated percentile (p in 0..100) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return percentileOfSorted(sorted, p);
}

export function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function summarize(values: readonly number[]): Summary {
  const sorted = Float64Array.from(values).sort();
  const list = Array.from(sorted);
  let sum = 0;
  for (const value of list) sum += value;
  return {
    count: list.length,
    median: percentileOfSorted(list, 50),
    p50: percentileOfSorted(list, 50),
    p10: percentileOfSorted(list, 10),
    p90: percentileOfSorted(list, 90),
    p99: percentileOfSorted(list, 99),
    min: list[0] ?? Number.NaN,
    max: list[list.length - 1] ?? Number.NaN,
    mean: list.length ? sum / list.length : Number.NaN,
  };
}

export interface RepeatOptions {
  warmup: number;
  runs: number;
  /** Runs between samples (not timed), e.g. a forced GC. */
  between?: () => void | Promise<void>;
}

/** Calls `sample` warm-up times (discarded), then `runs` times, collecting what it returns. */
export async function repeat(options: RepeatOptions, sample: (index: number) => Promise<number> | number): Promise<number[]> {
  for (let i = 0; i < options.warmup; i++) {
    await options.between?.();
    await sample(-1 - i);
  }
  const values: number[] = [];
  for (let i = 0; i < options.runs; i++) {
    await options.between?.();
    values.push(await sample(i));
  }
  return values;
}

/** Forces a full GC when node runs with --expose-gc (bench/run.ts starts children so). */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
}

export function nowMs(): number {
  return performance.now();
}

// ---- what a benchmark reports ----

export type Verdict = 'pass' | 'MISS' | 'info' | 'n/a';

export interface Target {
  /** The figure must be at most / at least this value. */
  op: '<=' | '>=';
  value: number;
  /** Which statistic the verdict uses (default: median). */
  statistic?: 'median' | 'p99' | 'p90' | 'max';
  text: string;
}

export interface Figure {
  /** Short row name, e.g. "chain 1,000 steps". */
  name: string;
  unit: string;
  summary: Summary;
  /** Spread as shown in the table: p10/p90 for many samples, min/max otherwise. */
  spread: 'p10/p90' | 'min/max' | 'p50/p99';
  target?: Target;
  verdict: Verdict;
  /** How far past its target a missed figure is, in words. */
  miss?: string;
  note?: string;
  /** Raw samples (kept in results.json for anyone who wants to redo the statistics). */
  samples?: number[];
}

export interface BenchReport {
  id: string;
  title: string;
  /** How it is measured, in a few sentences; printed under the table and kept in results.json. */
  method: string;
  figures: Figure[];
  /** Set when a part this benchmark needs does not exist yet: the run goes on. */
  notAvailable?: string;
  error?: string;
  /** Findings: missed targets and why, profiles. */
  findings?: string[];
  durationMs?: number;
}

export function judge(value: number, target: Target | undefined): { verdict: Verdict; miss?: string } {
  if (!target) return { verdict: 'info' };
  if (!Number.isFinite(value)) return { verdict: 'n/a' };
  const ok = target.op === '<=' ? value <= target.value : value >= target.value;
  if (ok) return { verdict: 'pass' };
  const ratio = target.op === '<=' ? value / target.value : target.value / value;
  const delta = target.op === '<=' ? value - target.value : target.value - value;
  return { verdict: 'MISS', miss: `${formatNumber(Math.abs(delta))} past the target (${ratio.toFixed(2)}x)` };
}

export interface FigureInput {
  name: string;
  unit: string;
  values: readonly number[];
  spread?: Figure['spread'];
  target?: Target;
  note?: string;
  keepSamples?: boolean;
}

export function figure(input: FigureInput): Figure {
  const summary = summarize(input.values);
  const statistic = input.target?.statistic ?? 'median';
  const judged = input.values.length === 0 ? { verdict: 'n/a' as const } : judge(summary[statistic], input.target);
  return {
    name: input.name,
    unit: input.unit,
    summary,
    spread: input.spread ?? (summary.count >= 10 ? 'p10/p90' : 'min/max'),
    ...(input.target ? { target: input.target } : {}),
    verdict: judged.verdict,
    ...(judged.miss ? { miss: judged.miss } : {}),
    ...(input.note ? { note: input.note } : {}),
    ...(input.keepSamples === false ? {} : { samples: input.values.length <= 200 ? [...input.values] : undefined }),
  };
}

export function formatNumber(value: number | null | undefined): string {
  // NaN travels as null through JSON (IPC, results.json): both mean "not measured".
  if (value === null || value === undefined || Number.isNaN(value)) return '-';
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

export interface BenchContext {
  quick: boolean;
  log: (message: string) => void;
}

export type Benchmark = (context: BenchContext) => Promise<BenchReport>;

/** A report for a benchmark whose part has not landed yet. */
export function notAvailable(id: string, title: string, method: string, reason: string): BenchReport {
  return { id, title, method, figures: [], notAvailable: reason };
}

/** Whether a module exists (so a benchmark can say "not available" instead of crashing). */
export async function tryImport<T>(specifier: string): Promise<{ ok: true; module: T } | { ok: false; reason: string }> {
  try {
    return { ok: true, module: (await import(specifier)) as T };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    return { ok: false, reason: message };
  }
}
