/**
 * `weft cost [FLOW] [--since DATE] [--json]`: what model steps spent, from the run logs in
 * WEFT_DATA_DIR (default ./data), or from the database with WEFT_DATABASE_URL: per day, by model, by step, the most expensive runs, cached
 * tokens, and what each spend cap (the flows' in WEFT_FLOWS_DIR, WEFT_SPEND_CAP_DAY_USD) has left.
 */
import { resolve } from 'node:path';
import type { CostSummary } from '../../shared/cost-summary.ts';
import { formatUsd } from '../../shared/pricing.ts';
import { costQuery } from '../../shared/wire/rest-requests.ts';
import { costView } from '../spend/cost-view.ts';
import { flowCapsFrom } from '../spend/flow-caps.ts';
import { readLogDirectoryRecords } from '../spend/log-directory-records.ts';
import { serverSpendCapsFrom } from '../spend/server-spend-caps.ts';
import { readCostRecords, type CostRecordFilter } from '../spend/read-cost-records.ts';
import { FlowsStore } from '../store/flows-store.ts';
import { openFlowsStorage } from '../store/open-flows-storage.ts';
import { parseCommandArgs } from './cli-args.ts';
import { EXIT, type CliIo } from './output.ts';

function table(header: string[], rows: string[][], numeric: number[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => (numeric.includes(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ').trimEnd();
  return `${[header, ...rows].map(line).join('\n')}\n`;
}

export function formatCostSummary(summary: CostSummary): string {
  const scope = summary.flowId !== undefined ? `flow "${summary.flowId}"` : 'all flows';
  let text = `cost of ${scope}${summary.since !== undefined ? ` since ${summary.since}` : ''}: ${formatUsd(summary.totalUsd)}`;
  if (summary.unpricedAttempts > 0) text += ` plus ${summary.unpricedAttempts} unpriced step attempt${summary.unpricedAttempts === 1 ? '' : 's'}`;
  text += '\n';
  if (summary.cachedInputTokens > 0) text += `cached prompt tokens: ${summary.cachedInputTokens.toLocaleString('en-US')}, saved ${formatUsd(summary.cachedSavingUsd)}\n`;
  text += `\nper day (UTC)\n${table(['day', 'cost'], summary.byDay.map((row) => [row.day, formatUsd(row.usd)]), [1])}`;
  text += `\nby model\n${table(['model', 'attempts', 'tokens in', 'cached', 'tokens out', 'cost'], summary.byModel.map((row) => [row.model, String(row.attempts), String(row.inputTokens), String(row.cachedInputTokens), String(row.outputTokens), formatUsd(row.usd)]), [1, 2, 3, 4, 5])}`;
  text += `\nby step\n${table(['flow', 'step', 'attempts', 'cost'], summary.byStep.map((row) => [row.flowId, row.nodeId, String(row.attempts), formatUsd(row.usd)]), [2, 3])}`;
  text += `\nmost expensive runs\n${table(['run', 'flow', 'started', 'cost'], summary.topRuns.map((row) => [row.runId, row.flowId, row.at, formatUsd(row.usd)]), [3])}`;
  if (summary.caps.length > 0) {
    const rows = summary.caps.map((cap) => [cap.scope === 'flow' ? `flow ${cap.flowId}` : 'server', `${cap.period} ${cap.periodKey} (${cap.timeZone})`, formatUsd(cap.capUsd), formatUsd(cap.spentUsd), formatUsd(cap.leftUsd)]);
    text += `\nspend caps\n${table(['cap', 'period', 'cap', 'spent', 'left'], rows, [2, 3, 4])}`;
  }
  return text;
}

export async function costCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs('cost', args, { since: { type: 'string' }, json: { type: 'boolean' } } as const, io);
  if (!parsed) return EXIT.invalid;
  if (parsed.positionals.length > 1) {
    io.err('usage: weft cost [FLOW] [--since YYYY-MM-DD] [--json]\n');
    return EXIT.invalid;
  }
  const query = costQuery.safeParse({ ...(parsed.positionals[0] !== undefined ? { flowId: parsed.positionals[0] } : {}), ...(parsed.values.since !== undefined ? { since: parsed.values.since } : {}) });
  if (!query.success) {
    const issue = query.error.issues[0]!;
    io.err(`weft cost: ${issue.path[0] === 'since' ? '--since' : 'FLOW'} ${issue.message}\n`);
    return EXIT.invalid;
  }
  let summary: CostSummary;
  const databaseUrl = io.env['WEFT_DATABASE_URL'] || undefined;
  const storage = databaseUrl !== undefined ? await openFlowsStorage({ databaseUrl, flowsDir: io.env['WEFT_FLOWS_DIR'] ?? 'flows', log: () => undefined }).catch((error: Error) => error) : undefined;
  if (storage instanceof Error) {
    io.err(`weft cost: ${storage.message}\n`);
    return EXIT.invalid;
  }
  try {
    const dataDir = resolve(io.env['WEFT_DATA_DIR'] ?? 'data');
    const flows = storage?.flows ?? new FlowsStore(io.env['WEFT_FLOWS_DIR'] ?? 'flows');
    // In database mode the runs of every server are in the database; otherwise the data directory's logs.
    const source = storage?.database ? (await import('../store/postgres/cost-source-postgres.ts')).databaseCostSource(storage.database) : undefined;
    const records = source ? (filter: CostRecordFilter) => readCostRecords(source, filter) : (filter: CostRecordFilter) => readLogDirectoryRecords(dataDir, filter);
    summary = await costView({ records, flowCaps: (flowId) => flowCapsFrom(flows, flowId).catch(() => []), serverCaps: serverSpendCapsFrom(io.env) }, query.data);
  } catch (error) {
    io.err(`weft cost: ${(error as Error).message}\n`);
    return EXIT.invalid;
  } finally {
    await storage?.close();
  }
  io.out(parsed.values.json ? `${JSON.stringify(summary, null, 2)}\n` : formatCostSummary(summary));
  return EXIT.ok;
}
