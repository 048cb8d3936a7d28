/**
 * The table `npm run bench` prints: one row per figure with median, spread, target and verdict,
 * then each benchmark's method and findings.
 */
import { formatNumber, type BenchReport, type Figure } from './stats.ts';

function spreadText(item: Figure): string {
  const { summary } = item;
  if (!summary.count || summary.count <= 1) return '-';
  if (item.spread === 'p10/p90') return `${formatNumber(summary.p10)} / ${formatNumber(summary.p90)}`;
  if (item.spread === 'p50/p99') return `${formatNumber(summary.p50)} / ${formatNumber(summary.p99)}`;
  return `${formatNumber(summary.min)} / ${formatNumber(summary.max)}`;
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

export function rows(reports: readonly BenchReport[]): string[][] {
  const table: string[][] = [['benchmark', 'figure', 'unit', 'median', 'spread', 'n', 'target', 'verdict']];
  for (const report of reports) {
    if (report.notAvailable || report.error) {
      table.push([report.title, report.notAvailable ? `not available: ${report.notAvailable}` : `error: ${report.error!.split('\n')[0]}`, '', '', '', '', '', 'n/a']);
      if (report.figures.length === 0) continue;
    }
    for (const item of report.figures) {
      const stat = item.target?.statistic && item.target.statistic !== 'median' ? ` (${item.target.statistic} ${formatNumber(item.summary[item.target.statistic])})` : '';
      table.push([
        report.title,
        item.name,
        item.unit,
        formatNumber(item.summary.median),
        `${spreadText(item)}${item.summary.count > 1 ? ` ${item.spread}` : ''}`,
        String(item.summary.count),
        item.target ? item.target.text : '',
        `${item.verdict}${stat}`,
      ]);
    }
  }
  return table;
}

export function printReports(reports: readonly BenchReport[], write: (line: string) => void): void {
  const table = rows(reports);
  const widths = table[0]!.map((_, column) => Math.min(60, Math.max(...table.map((row) => row[column]!.length))));
  const numeric = new Set([3, 5]);
  const line = (row: string[]): string => row.map((cell, column) => pad(cell.length > widths[column]! && column !== 1 ? cell.slice(0, widths[column]! - 1) + '…' : cell, widths[column]!, numeric.has(column))).join('  ');
  write(line(table[0]!));
  write(widths.map((width) => '-'.repeat(width)).join('  '));
  let previous = '';
  for (const row of table.slice(1)) {
    const shown = row[0] === previous ? ['', ...row.slice(1)] : row;
    previous = row[0]!;
    write(line(shown));
  }
  write('');
  for (const report of reports) {
    write(`## ${report.title}${report.durationMs !== undefined ? ` (${(report.durationMs / 1000).toFixed(1)} s)` : ''}`);
    if (report.method) write(`method: ${report.method}`);
    for (const item of report.figures) {
      if (item.verdict === 'MISS') write(`MISSED: ${item.name}: ${formatNumber(item.target?.statistic ? item.summary[item.target.statistic] : item.summary.median)} ${item.unit} vs target ${item.target?.text}; ${item.miss}`);
      if (item.note) write(`  note (${item.name}): ${item.note}`);
    }
    for (const finding of report.findings ?? []) write(`finding: ${finding}`);
    if (report.error) write(`error: ${report.error}`);
    write('');
  }
}
