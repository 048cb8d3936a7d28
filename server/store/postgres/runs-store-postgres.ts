/**
 * Runs in PostgreSQL (migrations/0002-runs.sql): the RunsStorage of database mode. Events are
 * batched per run as in the file store (the same RunWriteQueue, server/store/run-write-queue.ts): what a run appends in one
 * tick, or while its previous write is on its way, goes out as one transaction, a run's writes
 * go one after another, and different runs are written side by side. Each write is conditional
 * on the run's last stored seq (run-event-rows.ts), so two processes can never both record a
 * run's next event. Listeners hear of events only once they are committed.
 *
 * A write that fails because the database is away stops the run (its owner continues it from
 * what the database holds once a probe answers, database-health.ts); a write another process
 * beat is a RunConflictError and the run is left to that process.
 */
import type { RunEvent } from '../../../shared/events.ts';
import { isTerminal } from '../../../shared/events.ts';
import type { RecoveredLog, RunsStorage, StoredListener } from '../runs-storage.ts';
import { handled, RunWriteQueue } from '../run-write-queue.ts';
import { RunConflictError, StoreClosedError, StoreUnavailableError, UnrecordableEventError } from '../store-errors.ts';
import type { StoreHealth } from '../store-health.ts';
import { databaseFault, databaseHealth } from './database-health.ts';
import { isConnectionError, reasonOf } from './database-errors.ts';
import type { Database } from './database.ts';
import { MemoryRunIndex } from './memory-run-index.ts';
import { eventText, indexEntryOf, insertEvents, selectEvents, textBytes, writeIndex, type EventText } from './run-event-rows.ts';
import { RunFanout } from './run-fanout.ts';
import { notifyEvents, notifyIndex } from './run-notifications.ts';

/** More work for the transaction that records an append (server/queue/: the job that executes the run). */
export type AlongWithAppend = (client: import('pg').PoolClient) => Promise<void>;

/** An event as written, with what rides in its transaction. */
type StoredText = EventText & { along?: AlongWithAppend };

/** Runs written at the same time (each a transaction on its own pooled connection). */
const PARALLEL_WRITES = 4;

export interface PostgresRunsStoreOptions {
  database: Database;
  log?: (line: string) => void;
  /** Wait between attempts to get the listen connection back (tests shorten it). */
  reconnectMs?: number;
}

export class PostgresRunsStore implements RunsStorage {
  readonly kind = 'postgres' as const;
  readonly index: MemoryRunIndex;
  readonly #database: Database;
  readonly #log: (line: string) => void;
  readonly #health: StoreHealth;
  readonly #fanout: RunFanout;
  readonly #listeners = new Set<StoredListener>();
  readonly #recoveredListeners = new Set<() => void>();
  readonly #broken = new Map<string, Error>();
  readonly #sizes = new Map<string, number>();
  /** Event writes, and the index writes counted in for `flush`. */
  readonly #writes: RunWriteQueue<StoredText>;
  #indexWrite: Promise<void> | undefined;
  #closed = false;

  private constructor(database: Database, index: MemoryRunIndex, fanout: RunFanout, log: (line: string) => void) {
    this.#database = database;
    this.index = index;
    this.#fanout = fanout;
    this.#log = log;
    this.#health = databaseHealth({ database, log, onRecovered: () => this.#onRecovered() });
    this.#writes = new RunWriteQueue<StoredText>({
      parallel: PARALLEL_WRITES,
      write: (runId, events, texts) => this.#writeEvents(runId, events, texts),
      stored: (events) => this.#fanout.deliverOwn(events),
      afterWrite: () => {
        if (this.index.dirty && !this.#indexWrite) void this.indexChanged();
      },
    });
  }

  /** Listens for other processes' changes, then reads the run index (the database is migrated by `openDatabase`). */
  static async open(options: PostgresRunsStoreOptions): Promise<PostgresRunsStore> {
    const log = options.log ?? ((line: string) => console.warn(line));
    // Nothing is delivered before `follow`, when the store exists.
    let deliver: (events: RunEvent[]) => void = () => undefined;
    const fanout = new RunFanout({ database: options.database, log, deliver: (events) => deliver(events), ...(options.reconnectMs !== undefined ? { reconnectMs: options.reconnectMs } : {}) });
    const rows = await fanout.start();
    const index = new MemoryRunIndex(rows.map(indexEntryOf));
    const store = new PostgresRunsStore(options.database, index, fanout, log);
    deliver = (events) => store.#notify(events);
    fanout.follow(index);
    return store;
  }

  /** Whether events other processes append are heard now (false while the listen connection is being made again). */
  get listening(): boolean {
    return this.#fanout.listening;
  }

  /** Application name of the listen connection in pg_stat_activity. */
  get listenApplicationName(): string {
    return this.#fanout.applicationName;
  }

  onStored(listener: StoredListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onRecovered(listener: () => void): () => void {
    this.#recoveredListeners.add(listener);
    return () => this.#recoveredListeners.delete(listener);
  }

  get healthy(): boolean {
    return this.#health.healthy;
  }

  writable(what?: string): Promise<void> {
    return this.#health.check(what);
  }

  bytesOf(runId: string): number {
    return this.#sizes.get(runId) ?? 0;
  }

  /** `along` runs in the transaction that records the event, so both happen or neither. */
  append(event: RunEvent, along?: AlongWithAppend): Promise<void> {
    if (this.#closed) return handled(Promise.reject(new StoreClosedError()));
    let text: EventText;
    try {
      text = eventText(event);
    } catch (error) {
      const reason = new UnrecordableEventError(`event ${event.seq} of run ${event.runId} (${event.type}) cannot be written as JSON: ${reasonOf(error)}`);
      if (!this.#broken.has(event.runId)) this.#broken.set(event.runId, reason);
      this.#log(`weft: ${reason.message}; the run's later events are not stored.`);
      text = { body: 'null' };
    }
    this.#sizes.set(event.runId, this.bytesOf(event.runId) + textBytes(text));
    return this.#writes.add(event, along ? { ...text, along } : text);
  }

  indexChanged(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (!this.#indexWrite) {
      this.#writes.enter();
      let written = false;
      this.#indexWrite = nextMacrotask()
        .then(() => this.#writeIndex())
        .then(() => void (written = true))
        .finally(() => {
          this.#indexWrite = undefined;
          // Changes made while this write was on its way go out with the next one (after a failure, with the next change).
          if (written && this.index.dirty && !this.#closed) void this.indexChanged();
          this.#writes.leave();
        });
    }
    return handled(this.#indexWrite);
  }

  flush(): Promise<void> {
    return this.#writes.flush();
  }

  readEvents(runId: string, after = 0): Promise<RunEvent[] | undefined> {
    return selectEvents(this.#database, runId, after);
  }

  async recover(runId: string): Promise<RecoveredLog | undefined> {
    const events = await selectEvents(this.#database, runId, 0);
    if (!events) return undefined;
    const last = events.at(-1);
    if (last && !isTerminal(last)) this.#sizes.set(runId, events.reduce((sum, event) => sum + textBytes(eventText(event)), 0));
    return { events };
  }

  async reopen(runId: string): Promise<RecoveredLog | undefined> {
    while (this.#writes.has(runId)) await this.flush();
    this.#broken.delete(runId);
    this.#sizes.delete(runId);
    return this.recover(runId);
  }

  async logIds(): Promise<string[]> {
    const { rows } = await this.#database.query<{ run_id: string }>('SELECT run_id FROM runs WHERE last_seq > 0');
    return rows.map((row) => row.run_id);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#health.close();
    await this.#fanout.close();
    await this.flush();
    if (this.index.dirty) await this.#writeIndex().catch(() => undefined);
  }

  /** One run's batch in one transaction, with the notification other processes hear; resolves with the failure, if any. */
  async #writeEvents(runId: string, events: RunEvent[], texts: StoredText[]): Promise<unknown> {
    let failure: unknown = this.#broken.get(runId);
    if (failure !== undefined) return failure;
    try {
      await this.#database.transaction(async (client) => {
        await insertEvents(client, runId, events, texts);
        for (const text of texts) if (text.along) await text.along(client);
        await notifyEvents(client, this.#fanout.origin, runId, events.at(-1)!.seq);
      });
      if (events.some(isTerminal)) this.#sizes.delete(runId);
    } catch (error) {
      failure = this.#failure(runId, events[0]!.seq, error);
      this.#broken.set(runId, failure as Error);
    }
    return failure;
  }

  #failure(runId: string, firstSeq: number, error: unknown): Error {
    if (error instanceof RunConflictError) return error;
    // The primary key (run_id, seq) caught what the last_seq condition did not.
    if ((error as { code?: unknown }).code === '23505') return new RunConflictError(runId, firstSeq);
    if (error instanceof Error && error.name === 'DatabaseUnavailableError' || isConnectionError(error)) {
      const fault = databaseFault(this.#database, error);
      this.#health.reportFault(fault);
      this.#log(`weft: could not record events of run ${runId} (${fault.fault}); the run is stopped and continues from the database once it answers.`);
      return fault;
    }
    this.#log(`weft: could not record events of run ${runId}: ${reasonOf(error)}`);
    return new StoreUnavailableError(`events of run ${runId} could not be recorded: ${reasonOf(error)}`, undefined, 'the database refused a write');
  }

  #notify(events: RunEvent[]): void {
    for (const listener of this.#listeners) {
      try {
        listener(events);
      } catch (error) {
        this.#log(`weft: a listener failed on stored events: ${reasonOf(error)}`);
      }
    }
  }

  async #writeIndex(): Promise<void> {
    const { put, removed } = this.index.takeChanges();
    if (put.length === 0 && removed.length === 0) return;
    const ids = [...put.map((entry) => entry.runId), ...removed];
    try {
      await this.#database.transaction(async (client) => {
        await writeIndex(client, put, removed);
        await notifyIndex(client, this.#fanout.origin, ids);
      });
      this.index.written(ids);
    } catch (error) {
      this.index.markChanged(ids);
      if (isConnectionError(error) || (error instanceof Error && error.name === 'DatabaseUnavailableError')) this.#health.reportFault(databaseFault(this.#database, error));
      this.#log(`weft: could not write the run index to the database (${reasonOf(error)}); it is written again with the next change.`);
      throw error;
    }
  }

  #onRecovered(): void {
    if (this.index.dirty && !this.#indexWrite) void this.indexChanged();
    for (const listener of this.#recoveredListeners) {
      try {
        listener();
      } catch (error) {
        this.#log(`weft: a listener failed when the store recovered: ${reasonOf(error)}`);
      }
    }
  }
}

function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

