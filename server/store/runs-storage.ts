/**
 * What the run manager (server/run-manager.ts), the routes and the WebSocket hub need from the
 * place runs are kept. Two implementations: RunsStore (files: a lowdb index plus one JSON-lines
 * log per run, server/store/runs-store.ts) and PostgresRunsStore (server/store/postgres/
 * runs-store-postgres.ts). The contract tests in runs-storage.contract.ts run against both.
 */
import type { RunEvent } from '../../shared/events.ts';
import type { LogDamage } from './event-log-text.ts';
import type { StoreKind } from './flows-repository.ts';
import type { RunIndexEntry } from './run-index.ts';
import type { RunOrder } from './run-order.ts';

export interface RecoveredLog {
  events: RunEvent[];
  damage?: LogDamage;
  /** Where the damaged original was kept. */
  keptAside?: string;
}

/** Hears one run's events at a time, in the run's order, once they are stored. */
export type StoredListener = (events: RunEvent[]) => void;

/**
 * The run index: one small record per run for the history list. Reads and changes are
 * synchronous (memory); `RunsStorage.indexChanged` persists the changes.
 */
export interface RunIndexView {
  /** An own-property lookup: a run id such as "constructor" finds nothing. */
  get(runId: string): RunIndexEntry | undefined;
  /** Newest first (a copy). */
  list(): RunIndexEntry[];
  /** The entries in order (oldest first) and child-run counts: what a page of the history reads. */
  readonly order: RunOrderView;
  put(entry: RunIndexEntry): void;
  remove(runId: string): void;
  readonly dirty: boolean;
}

export type RunOrderView = Pick<RunOrder, 'entries' | 'childCount' | 'childRuns' | 'countOlder'>;

export interface RunsStorage {
  readonly kind: StoreKind;
  readonly index: RunIndexView;
  /** Hears each run's events once they are stored (never before): the WebSocket and REST hang here. */
  onStored(listener: StoredListener): () => void;
  /** Hears that the store can write again after a failure. */
  onRecovered(listener: () => void): () => void;
  /** False from a failed write until a probe succeeds. */
  readonly healthy: boolean;
  /** Resolves when the store can write; otherwise rejects with a StoreUnavailableError (503) naming `what` was not done. */
  writable(what?: string): Promise<void>;
  /** Bytes of the run's events, counting those appended and not yet stored (for the per-run cap). */
  bytesOf(runId: string): number;
  /**
   * Queues an event; settles once it is stored (never an unhandled rejection). Rejects when the
   * write failed, when an earlier write of the run failed (until `reopen`), and after close.
   */
  append(event: RunEvent): Promise<void>;
  /** Persists the changes made with `index.put` and `index.remove`. */
  indexChanged(): Promise<void>;
  /** Resolves once nothing is queued or being written. */
  flush(): Promise<void>;
  /** Stored events of a run with seq > after; undefined for a run that has none. */
  readEvents(runId: string, after?: number): Promise<RunEvent[] | undefined>;
  /** Reads a run back at start-up (repairing what a crash left, where the store can be damaged). */
  recover(runId: string): Promise<RecoveredLog | undefined>;
  /** After a failed write: forgets the failure once nothing of the run is queued and reads the run back. */
  reopen(runId: string): Promise<RecoveredLog | undefined>;
  /** Ids of every run with stored events. */
  logIds(): Promise<string[]>;
  /** Writes what is queued and lets go of what the store holds; later appends are refused. */
  close(): Promise<void>;
}

/** Newest first, then by run id (the history list's order in both stores). */
export function compareNewestFirst(a: RunIndexEntry, b: RunIndexEntry): number {
  return a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : a.runId < b.runId ? 1 : -1;
}
