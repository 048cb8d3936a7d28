/**
 * The cost records (shared/cost-records.ts) of the runs a store holds, read from their event logs:
 * what the spend ledger starts from and what the cost view adds up. The store is read through a
 * small interface, so the database store can answer it the same way.
 */
import { costRecordsOf, type CostRecord } from '../../shared/cost-records.ts';
import { isTerminal, type RunEvent } from '../../shared/events.ts';

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

/**
 * The cost records of ended runs, by run id: an ended run's log gets no more events, so the cost
 * view reads each log once per server, not at every request (at 10,000 runs that was 10,000 logs
 * opened per look at the Cost tab). A run counts as ended when its log, as read, ends with its
 * end (not when the index says so: the index can be ahead of the log's last write). It grows
 * with the runs kept, like the run index; a run with no cost keeps an empty list.
 */
export class EndedRunCosts {
  readonly #records = new Map<string, readonly CostRecord[]>();

  get(runId: string): readonly CostRecord[] | undefined {
    return this.#records.get(runId);
  }

  /** Keeps the records of a run whose log, as read, has ended. */
  keepIfEnded(runId: string, events: readonly RunEvent[], records: readonly CostRecord[]): void {
    const last = events[events.length - 1];
    if (last && isTerminal(last)) this.#records.set(runId, records.length === 0 ? NONE : records);
  }

  get size(): number {
    return this.#records.size;
  }
}

const NONE: readonly CostRecord[] = Object.freeze([]);

export async function readCostRecords(source: CostSource, filter: CostRecordFilter = {}, ended?: EndedRunCosts): Promise<CostRecord[]> {
  const since = filter.since?.toISOString();
  const runs = (await source.runs(filter)).filter((run) => (filter.flowId === undefined || run.flowId === filter.flowId) && (since === undefined || run.endedAt === undefined || run.endedAt >= since));
  const records: (readonly CostRecord[])[] = [];
  let next = 0;
  const reader = async (): Promise<void> => {
    while (next < runs.length) {
      const index = next++;
      const runId = runs[index]!.runId;
      let all = ended?.get(runId);
      if (all === undefined) {
        const events = await source.readEvents(runId);
        all = events ? costRecordsOf(events) : NONE;
        if (events) ended?.keepIfEnded(runId, events, all);
      }
      records[index] = all.filter((record) => since === undefined || record.at >= since);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, runs.length) }, reader));
  return records.flat();
}
