/**
 * Runs in PostgreSQL (migrations/0002-runs.sql): the RunsStorage of database mode. Events are
 * batched per run as in the file store (server/store/runs-store.ts): what a run appends in one
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
import { RunConflictError, StoreClosedError, StoreUnavailableError, UnrecordableEventError } from '../store-errors.ts';
import { DatabaseHealth } from './database-health.ts';
import { isConnectionError, reasonOf } from './database-errors.ts';
import type { Database } from './database.ts';
import { MemoryRunIndex } from './memory-run-index.ts';
import { eventText, indexEntryOf, insertEvents, selectEvents, SELECT_INDEX, textBytes, writeIndex, type EventText } from './run-event-rows.ts';

/** Runs written at the same time (each a transaction on its own pooled connection). */
const PARALLEL_WRITES = 4;

export interface PostgresRunsStoreOptions {
  database: Database;
  log?: (line: string) => void;
}

/** More work for the transaction that records an append (server/queue/: the job that executes the run). */
export type AlongWithAppend = (client: import('pg').PoolClient) => Promise<void>;

interface PendingWrite {
  events: RunEvent[];
  texts: EventText[];
  along: AlongWithAppend[];
  done: Promise<void>;
  settle(error?: unknown): void;
}

interface RunQueue {
  next: PendingWrite | undefined;
  writing: boolean;
}

export class PostgresRunsStore implements RunsStorage {
  readonly kind = 'postgres' as const;
  readonly index: MemoryRunIndex;
  readonly #database: Database;
  readonly #log: (line: string) => void;
  readonly #health: DatabaseHealth;
  readonly #listeners = new Set<StoredListener>();
  readonly #recoveredListeners = new Set<() => void>();
  readonly #broken = new Map<string, Error>();
  readonly #sizes = new Map<string, number>();
  readonly #queues = new Map<string, RunQueue>();
  readonly #ready = new Set<string>();
  #writesInFlight = 0;
  #tickScheduled = false;
  #indexWrite: Promise<void> | undefined;
  #busy = 0;
  #idleWaiters: Array<() => void> = [];
  #closed = false;

  private constructor(database: Database, index: MemoryRunIndex, log: (line: string) => void) {
    this.#database = database;
    this.index = index;
    this.#log = log;
    this.#health = new DatabaseHealth({ database, log, onRecovered: () => this.#onRecovered() });
  }

  /** Reads the run index from the database (migrated by `openDatabase`). */
  static async open(options: PostgresRunsStoreOptions): Promise<PostgresRunsStore> {
    const { rows } = await options.database.query(SELECT_INDEX);
    const index = new MemoryRunIndex(rows.map((row) => indexEntryOf(row as Parameters<typeof indexEntryOf>[0])));
    return new PostgresRunsStore(options.database, index, options.log ?? ((line) => console.warn(line)));
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
    let queue = this.#queues.get(event.runId);
    if (!queue) {
      queue = { next: undefined, writing: false };
      this.#queues.set(event.runId, queue);
    }
    if (!queue.next) {
      queue.next = this.#pendingWrite();
      if (!queue.writing) {
        this.#ready.add(event.runId);
        this.#scheduleTick();
      }
    }
    queue.next.events.push(event);
    queue.next.texts.push(text);
    if (along) queue.next.along.push(along);
    return queue.next.done;
  }

  indexChanged(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (!this.#indexWrite) {
      this.#busy++;
      let written = false;
      this.#indexWrite = nextMacrotask()
        .then(() => this.#writeIndex())
        .then(() => void (written = true))
        .finally(() => {
          this.#indexWrite = undefined;
          // Changes made while this write was on its way go out with the next one (after a failure, with the next change).
          if (written && this.index.dirty && !this.#closed) void this.indexChanged();
          this.#leave();
        });
    }
    return handled(this.#indexWrite);
  }

  async flush(): Promise<void> {
    while (this.#busy > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
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
    while (this.#queues.has(runId)) await this.flush();
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
    await this.flush();
    if (this.index.dirty) await this.#writeIndex().catch(() => undefined);
  }

  #pendingWrite(): PendingWrite {
    this.#busy++;
    let settle!: (error?: unknown) => void;
    const done = handled(new Promise<void>((resolve, reject) => (settle = (error) => (error === undefined ? resolve() : reject(error)))));
    return { events: [], texts: [], along: [], done, settle };
  }

  #leave(): void {
    if (--this.#busy > 0) return;
    for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  #scheduleTick(): void {
    if (this.#tickScheduled) return;
    this.#tickScheduled = true;
    setImmediate(() => {
      this.#tickScheduled = false;
      this.#startWrites();
    });
  }

  #startWrites(): void {
    while (this.#writesInFlight < PARALLEL_WRITES && this.#ready.size > 0) {
      const runId = this.#ready.values().next().value!;
      this.#ready.delete(runId);
      void this.#writeRun(runId);
    }
  }

  /** Never throws: a failure is reported to the appends of that write and to later ones of the run. */
  async #writeRun(runId: string): Promise<void> {
    const queue = this.#queues.get(runId)!;
    const write = queue.next!;
    queue.next = undefined;
    queue.writing = true;
    this.#writesInFlight++;
    let failure: unknown = this.#broken.get(runId);
    if (failure === undefined) {
      try {
        await this.#database.transaction(async (client) => {
          await insertEvents(client, runId, write.events, write.texts);
          for (const along of write.along) await along(client);
        });
        if (write.events.some(isTerminal)) this.#sizes.delete(runId);
      } catch (error) {
        failure = this.#failure(runId, write.events[0]!.seq, error);
        this.#broken.set(runId, failure as Error);
      }
    }
    if (failure === undefined) this.#notify(write.events);
    this.#writesInFlight--;
    queue.writing = false;
    if (queue.next) this.#ready.add(runId);
    else this.#queues.delete(runId);
    write.settle(failure);
    if (this.index.dirty && !this.#indexWrite) void this.indexChanged();
    this.#leave();
    this.#startWrites();
  }

  #failure(runId: string, firstSeq: number, error: unknown): Error {
    if (error instanceof RunConflictError) return error;
    // The primary key (run_id, seq) caught what the last_seq condition did not.
    if ((error as { code?: unknown }).code === '23505') return new RunConflictError(runId, firstSeq);
    if (error instanceof Error && error.name === 'DatabaseUnavailableError' || isConnectionError(error)) {
      const fault = this.#health.faultOf(error);
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
    try {
      await this.#database.transaction((client) => writeIndex(client, put, removed));
    } catch (error) {
      this.index.markChanged([...put.map((entry) => entry.runId), ...removed]);
      if (isConnectionError(error) || (error instanceof Error && error.name === 'DatabaseUnavailableError')) this.#health.reportFault(this.#health.faultOf(error));
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

function handled(promise: Promise<void>): Promise<void> {
  promise.catch(() => undefined);
  return promise;
}
