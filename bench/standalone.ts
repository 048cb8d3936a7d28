/**
 * Lets each benchmark file run on its own (`node --import tsx bench/<name>.ts [--quick]`) and as a
 * child of bench/run.ts, which forks it with an IPC channel and receives the report as a message.
 */
import { fileURLToPath } from 'node:url';
import { printReports } from './table.ts';
import type { BenchContext, BenchReport } from './stats.ts';

export async function runStandalone(moduleUrl: string, id: string, title: string, run: (context: BenchContext) => Promise<BenchReport>): Promise<void> {
  const main = process.argv[1];
  if (!main || fileURLToPath(moduleUrl) !== main) return;
  const quick = process.argv.includes('--quick');
  const started = performance.now();
  const log = (message: string): void => {
    process.stderr.write(`${message} [${((performance.now() - started) / 1000).toFixed(1)} s]\n`);
  };
  let report: BenchReport;
  try {
    report = await run({ quick, log });
  } catch (error) {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    report = { id, title, method: '', figures: [], error: text };
  }
  report.durationMs = performance.now() - started;
  if (process.send) {
    await new Promise<void>((resolve) => process.send!({ type: 'report', report }, () => resolve()));
  } else {
    printReports([report], (line) => process.stdout.write(`${line}\n`));
  }
  // Benchmarks stop their own servers; exit anyway so a stray handle cannot hang the run.
  process.exit(0);
}
