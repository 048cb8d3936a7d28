/** The text `weft eval` prints: a table of cases with totals, and variants side by side. */
import { formatUsd } from '../../shared/pricing.ts';
import type { CaseResult, EvaluationSummary } from '../evaluation/evaluate.ts';

export interface VariantReport {
  /** `as written` for the flow as it is, else its settings: `classify.model=gpt-4o`. */
  label: string;
  results: CaseResult[];
  summary: EvaluationSummary;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd()).join('\n');
}

function percent(rate: number): string {
  return `${Math.round(rate * 100)}%`;
}

function milliseconds(value: number): string {
  return `${Math.round(value)} ms`;
}

export function caseTable(report: VariantReport): string {
  const rows = [['case', 'verdict', 'cost', 'duration', 'unsure', 'first difference']];
  for (const result of report.results) {
    rows.push([result.name, result.passed ? 'pass' : 'FAIL', formatUsd(result.costUsd), milliseconds(result.durationMs), result.unsure ? 'unsure' : '', result.differences[0] ?? '']);
  }
  const { summary } = report;
  return `${report.label}\n${table(rows)}\n${summaryLine(summary)}\n`;
}

export function summaryLine(summary: EvaluationSummary): string {
  return `${summary.passed}/${summary.cases} passed (${percent(summary.passRate)}), cost ${formatUsd(summary.totalCostUsd)} (mean ${formatUsd(summary.meanCostUsd)}), duration p50 ${milliseconds(summary.p50DurationMs)} p95 ${milliseconds(summary.p95DurationMs)}, unsure ${percent(summary.unsureRate)}`;
}

/** Variants side by side, one column each, then the cases whose verdict changed between any two. */
export function comparisonTable(reports: readonly VariantReport[], changed: readonly string[]): string {
  const rows = [
    ['', ...reports.map((report) => report.label)],
    ['pass rate', ...reports.map((report) => `${percent(report.summary.passRate)} (${report.summary.passed}/${report.summary.cases})`)],
    ['total cost', ...reports.map((report) => formatUsd(report.summary.totalCostUsd))],
    ['mean cost', ...reports.map((report) => formatUsd(report.summary.meanCostUsd))],
    ['p50 duration', ...reports.map((report) => milliseconds(report.summary.p50DurationMs))],
    ['p95 duration', ...reports.map((report) => milliseconds(report.summary.p95DurationMs))],
    ['unsure rate', ...reports.map((report) => percent(report.summary.unsureRate))],
  ];
  for (const name of changed) {
    rows.push([`changed: ${name}`, ...reports.map((report) => (report.results.find((result) => result.name === name)?.passed ? 'pass' : 'FAIL'))]);
  }
  return `${table(rows)}\n${changed.length === 0 ? 'no case changed verdict\n' : ''}`;
}
