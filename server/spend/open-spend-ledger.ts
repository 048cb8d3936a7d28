/**
 * The spend ledger a server (or `weft run`) starts with. In file mode: the spend of the last 33
 * days (a calendar month in any time zone fits) read from the run logs once, then followed in
 * memory by MemorySpendLedger, exact within one process. In database mode: the ledger in the
 * database (store/postgres/spend-ledger-postgres.ts), shared by every server and worker, whose
 * periods start from the runs the database holds.
 */
import type { CostRecord } from '../../shared/cost-records.ts';
import { MemorySpendLedger, SPEND_KEEP_MS, type SpendLedger } from '../engine/spend-ledger.ts';
import type { Database } from '../store/postgres/database.ts';
import { readCostRecords, type CostSource, type CostSourceRun } from './read-cost-records.ts';

export interface OpenedSpendLedger extends SpendLedger {
  /** Stops renewing what this process holds (database mode); nothing to do in memory. */
  close(): void;
}

export interface SpendLedgerOptions {
  /** Database mode: the ledger lives in the database. */
  database?: Database | undefined;
  log?: (line: string) => void;
  /** Database mode: how long a reservation outlives its process (tests shorten it). */
  leaseMs?: number;
  now?: number;
}

export async function openSpendLedger(source: CostSource, options: SpendLedgerOptions = {}): Promise<OpenedSpendLedger> {
  if (options.database) {
    const [{ PostgresSpendLedger }, { spendLogsFrom }] = await Promise.all([import('../store/postgres/spend-ledger-postgres.ts'), import('./spend-logs.ts')]);
    return new PostgresSpendLedger({ database: options.database, logs: spendLogsFrom(source), ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}), ...(options.log ? { log: options.log } : {}) });
  }
  return memorySpendLedger(await readCostRecords(source, { since: spendLookBack(options.now) }));
}

/** From when a ledger needs the logs' spend: the start of the current month in any time zone is later. */
export function spendLookBack(now = Date.now()): Date {
  return new Date(now - SPEND_KEEP_MS);
}

/** A ledger in memory that starts from these cost records. */
export function memorySpendLedger(records: readonly CostRecord[]): OpenedSpendLedger {
  const ledger = new MemorySpendLedger(records.filter((record) => record.usd !== null && record.usd > 0).map((record) => ({ flowId: record.flowId, at: new Date(record.at), usd: record.usd! })));
  return Object.assign(ledger, { close: () => undefined });
}

/**
 * Where the cost records of a server's runs are read: the runs store's index and logs in file
 * mode; the runs table in database mode, so the runs of every server count.
 */
export async function costSourceOf(store: { index: { list(): IndexedRun[] }; readEvents: CostSource['readEvents'] }, database?: Database): Promise<CostSource> {
  if (database) return (await import('../store/postgres/cost-source-postgres.ts')).databaseCostSource(database);
  // A child run's cost is in its parent's log too (the step that ran it): counted there, once.
  return { runs: () => store.index.list().filter((run) => run.parentRunId === undefined), readEvents: (runId) => store.readEvents(runId) };
}

type IndexedRun = CostSourceRun & { parentRunId?: string | undefined };
