/**
 * The spend ledger a server starts with: the spend of the last 33 days (a calendar month in any
 * time zone fits) read from the run logs once, then followed in memory by MemorySpendLedger.
 * Exact within one server process; several servers on one database do not share it yet.
 */
import { MemorySpendLedger } from '../engine/spend-ledger.ts';
import { readCostRecords, type CostSource } from './read-cost-records.ts';

const LOOK_BACK_MS = 33 * 24 * 60 * 60 * 1000;

export async function openSpendLedger(source: CostSource, now = Date.now()): Promise<MemorySpendLedger> {
  const records = await readCostRecords(source, { since: new Date(now - LOOK_BACK_MS) });
  return new MemorySpendLedger(records.filter((record) => record.usd !== null && record.usd > 0).map((record) => ({ flowId: record.flowId, at: new Date(record.at), usd: record.usd! })));
}

/** A RunsStore as a cost source. */
export function costSourceOf(store: { index: { list(): CostSourceRun[] }; readEvents: CostSource['readEvents'] }): CostSource {
  // A child run's cost is in its parent's log too (the step that ran it): counted there, once.
  return { runs: () => store.index.list().filter((run) => run.parentRunId === undefined), readEvents: (runId) => store.readEvents(runId) };
}

type CostSourceRun = ReturnType<CostSource['runs']>[number] & { parentRunId?: string | undefined };
