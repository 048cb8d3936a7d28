/**
 * The cost records (shared/cost-records.ts) of the runs a store holds, read from their event logs:
 * what the spend ledger starts from and what the cost view adds up. The store is read through a
 * small interface, so the database store can answer it the same way.
 */
import { costRecordsOf, type CostRecord } from '../../shared/cost-records.ts';
import type { RunEvent } from '../../shared/events.ts';

export interface CostSourceRun {
  runId: string;
  flowId: string;
  status: string;
  startedAt: string;
  endedAt?: string | undefined;
}

export interface CostSource {
  /** The runs that may hold costs matching the filter (at least those; more is fine), newest first. */
  runs(filter: CostRecordFilter): CostSourceRun[] | Promise<CostSourceRun[]>;
  readEvents(runId: string): Promise<RunEvent[] | undefined>;
}

/** Logs read at the same time. */
const PARALLEL_READS = 8;

export interface CostRecordFilter {
  /** Runs that ended before this time are left out (their costs are all earlier). */
  since?: Date;
  flowId?: string;
}

export async function readCostRecords(source: CostSource, filter: CostRecordFilter = {}): Promise<CostRecord[]> {
  const since = filter.since?.toISOString();
  const runs = (await source.runs(filter)).filter((run) => (filter.flowId === undefined || run.flowId === filter.flowId) && (since === undefined || run.endedAt === undefined || run.endedAt >= since));
  const records: CostRecord[][] = [];
  let next = 0;
  const reader = async (): Promise<void> => {
    while (next < runs.length) {
      const index = next++;
      const events = await source.readEvents(runs[index]!.runId);
      records[index] = events ? costRecordsOf(events).filter((record) => since === undefined || record.at >= since) : [];
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, runs.length) }, reader));
  return records.flat();
}
