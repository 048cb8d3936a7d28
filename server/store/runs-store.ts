/**
 * Durable runs: a lowdb index of runs plus one append-only JSON-lines log per run, in WEFT_DATA_DIR.
 *
 * Each run has its own write queue (run-write-queue.ts): events of a run appended in the same tick
 * (or while the run's previous write was on its way to disk) become one write and one fsync, and a
 * run's writes happen one after another, in order. Different runs do not wait for each other:
 * their writes go out in parallel (a few at a time, so other file work still gets through). The
 * index has a queue of its own. Memory is changed before anything is awaited, so no read-modify-write spans an await.
 * Listeners hear about a run's events only once they are on disk: that is where the WebSocket
 * broadcast and the REST answers hang, so nothing is shown that a crash could take back.
 *
 * When a write fails the run's later appends are refused (its owner stops it and continues it
 * from its log once `reopen` is called), and when the failure was the disk's the store turns
 * unhealthy (store-health.ts) until a probe write succeeds.
 */
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isTerminal, type RunEvent } from '../../shared/events.ts';
import { ID_PATTERN } from '../../shared/ids.ts';
import { writeFileAtomic, type AtomicWriteFs } from './atomic-write.ts';
import { acquireDataLock, type DataLock } from './data-lock.ts';
import { parseEventLog } from './event-log-text.ts';
import { copyAside } from './keep-aside.ts';
import { RunIndex } from './run-index.ts';
import { LOG_SUFFIX, RunLogFiles } from './run-log-files.ts';
import { describeStoreFault, StoreClosedError, StoreUnavailableError, UnrecordableEventError } from './store-errors.ts';
import { fileStoreHealth, type StoreHealth } from './store-health.ts';
import type { RecoveredLog, RunsStorage, StoredListener } from './runs-storage.ts';
import { handled, RunWriteQueue } from './run-write-queue.ts';
import { unlessMissing } from './unless-missing.ts';

export const INDEX_FILE_NAME = 'runs-index.json';
export const RUNS_DIRECTORY_NAME = 'runs';
/** Run logs written at the same time (each an append plus an fsync on the libuv pool). */
const PARALLEL_WRITES = 8;

export interface RunsStoreOptions {
  dataDir: string;
  /** Where warnings go (corrupt files kept aside, dropped half lines). */
  log?: (line: string) => void;
  /** fsync each batch (default true); false only writes, for benchmarks that measure the difference. */
  sync?: boolean;
  /** The file operations of every write (logs, index, probe); tests pass one that fails like a full disk. */
  fs?: AtomicWriteFs;
}

export type { RecoveredLog, StoredListener } from './runs-storage.ts';

/** A log read that later readers of the same run may share while nothing new was stored. */
interface SharedRead {
  after: number;
  /** Set once an append to the run completes: later readers must read again. */
  stale: boolean;
  events: Promise<RunEvent[] | undefined>;
}

export class RunsStore implements RunsStorage {
  readonly kind = 'files' as const;
  readonly dataDir: string;
  readonly index: RunIndex;
  readonly #files: RunLogFiles;
  readonly #lock: DataLock;
  readonly #log: (line: string) => void;
  readonly #fs: AtomicWriteFs;
  readonly #listeners = new Set<StoredListener>();
  /** Runs whose log could not be written, with why: later events are refused until `reopen`. */
  readonly #broken = new Map<string, Error>();
  /** Bytes in the log of each unfinished run, counting what is queued (`bytesOf`). */
  readonly #sizes = new Map<string, number>();
  readonly #health: StoreHealth;
  readonly #recoveredListeners = new Set<() => void>();
  /** Log writes, and the index writes counted in for `flush`. */
  readonly #writes: RunWriteQueue<string>;
  readonly #reads = new Map<string, SharedRead>();
  #indexWrite: Promise<unknown> | undefined;
  #indexTail: Promise<void> = Promise.resolve();
  #closed = false;

  /** Use `RunsStore.open`, which locks the directory and reads the index first. */
  constructor(dataDir: string, index: RunIndex, lock: DataLock, options: RunsStoreOptions) {
    this.dataDir = dataDir;
    this.index = index;
    this.#lock = lock;
    const fs = options.fs ?? DEFAULT_FS;
    this.#fs = fs;
    this.#files = new RunLogFiles(join(dataDir, RUNS_DIRECTORY_NAME), { sync: options.sync ?? true, fs });
    this.#log = options.log ?? ((line) => console.warn(line));
    this.#health = fileStoreHealth({ dataDir, fs, log: this.#log, onRecovered: () => this.#onRecovered() });
    this.#writes = new RunWriteQueue<string>({
      parallel: PARALLEL_WRITES,
      write: (runId, events, lines) => this.#writeLog(runId, events, lines),
      stored: (events) => this.#notify(events),
      // What listeners changed in the index goes out with the index's next write.
      afterWrite: () => {
        if (this.index.dirty && !this.#indexWrite) void this.indexChanged();
      },
    });
  }

  /** Locks the data directory (refusing a second server), then reads the index. */
  static async open(options: RunsStoreOptions): Promise<RunsStore> {
    const dataDir = resolve(options.dataDir);
    const log = options.log ?? ((line: string) => console.warn(line));
    await mkdir(join(dataDir, RUNS_DIRECTORY_NAME), { recursive: true });
    const lock = await acquireDataLock(dataDir, log);
    try {
      const { index } = await RunIndex.open(join(dataDir, INDEX_FILE_NAME), log, options.fs);
      return new RunsStore(dataDir, index, lock, options);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  get lockPath(): string {
    return this.#lock.path;
  }

  onStored(listener: StoredListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Hears that the store can write again after a failure. */
  onRecovered(listener: () => void): () => void {
    this.#recoveredListeners.add(listener);
    return () => this.#recoveredListeners.delete(listener);
  }

  /** False from a failed write until a probe write succeeds. */
  get healthy(): boolean {
    return this.#health.healthy;
  }

  /** Resolves when the store can write; otherwise rejects with a `StoreUnavailableError` (503) naming `what` was not done. */
  writable(what?: string): Promise<void> {
    return this.#health.check(what);
  }

  /** Bytes of the run's log, counting appended events not yet written (for the per-run cap). */
  bytesOf(runId: string): number {
    return this.#sizes.get(runId) ?? 0;
  }

  /**
   * Queues an event; the promise settles when the write holding it is on disk (it never counts as
   * unhandled, so callers that do not wait need not catch). It rejects when the write failed, when
   * an earlier write of the run failed, when the event cannot be written as JSON, and after close.
   */
  append(event: RunEvent): Promise<void> {
    if (this.#closed) return handled(Promise.reject(new StoreClosedError()));
    let line: string;
    try {
      line = `${JSON.stringify(event)}\n`;
    } catch (error) {
      const reason = new UnrecordableEventError(`event ${event.seq} of run ${event.runId} (${event.type}) cannot be written as JSON: ${describe(error)}`);
      if (!this.#broken.has(event.runId)) this.#broken.set(event.runId, reason);
      this.#log(`weft: ${reason.message}; the run's later events are not stored.`);
      line = '';
    }
    this.#sizes.set(event.runId, this.bytesOf(event.runId) + Buffer.byteLength(line));
    return this.#writes.add(event, line);
  }

  /** Persists index changes made with `index.put` (after a tick, so changes made together are written once). */
  indexChanged(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (!this.#indexWrite) {
      this.#writes.enter();
      const write = this.#indexTail.then(nextMacrotask).then(() => this.#writeIndex());
      this.#indexWrite = write;
      this.#indexTail = write.then(() => this.#writes.leave());
    }
    return handled(
      this.#indexWrite.then((error) => {
        if (error !== undefined) throw error;
      }),
    );
  }

  /** Resolves once nothing is queued or being written (what failed has been reported). */
  flush(): Promise<void> {
    return this.#writes.flush();
  }

  /** One run's batch to its log; resolves with the failure, if any (run-write-queue.ts). */
  async #writeLog(runId: string, events: RunEvent[], lines: string[]): Promise<unknown> {
    let failure: unknown = this.#broken.get(runId);
    if (failure === undefined) {
      try {
        await this.#files.append(runId, lines.join(''));
        if (events.some(isTerminal)) {
          await this.#files.close(runId);
          this.#sizes.delete(runId);
        }
      } catch (error) {
        failure = new StoreUnavailableError(`the log of run ${runId} could not be written: ${describeStoreFault(error)}`, (error as NodeJS.ErrnoException).code);
        this.#broken.set(runId, failure as Error);
        this.#health.reportFault(error);
        this.#log(`weft: could not write the log of run ${runId} (${describe(error)}); the run is stopped and continues from its log once the store can write.`);
      }
    }
    const read = this.#reads.get(runId);
    if (read) read.stale = true;
    return failure;
  }

  #notify(events: RunEvent[]): void {
    for (const listener of this.#listeners) {
      try {
        listener(events);
      } catch (error) {
        this.#log(`weft: a listener failed on stored events: ${describe(error)}`);
      }
    }
  }

  /** The index write; resolves with the error (reported, retried with the next one) or undefined. */
  async #writeIndex(): Promise<unknown> {
    this.#indexWrite = undefined;
    try {
      await this.index.write();
      return undefined;
    } catch (error) {
      this.#health.reportFault(error);
      this.#log(`weft: could not write the run index (${describe(error)}); it is written again once the store can write, and rebuilt from the logs on start.`);
      return error;
    }
  }

  /**
   * Stored events of a run with seq > after; undefined when the run has no log. Readers of the
   * same run share one read and parse (many WebSocket clients subscribing at once) as long as
   * nothing was appended to the run since that read began; each gets its own array.
   */
  readEvents(runId: string, after = 0): Promise<RunEvent[] | undefined> {
    const shared = this.#reads.get(runId);
    if (shared && !shared.stale && shared.after <= after) return shared.events.then((events) => events?.slice(after - shared.after));
    const read: SharedRead = { after, stale: false, events: this.#readLog(runId, after) };
    this.#reads.set(runId, read);
    const forget = (): void => {
      if (this.#reads.get(runId) === read) this.#reads.delete(runId);
    };
    read.events.then(forget, forget);
    return read.events.then((events) => events?.slice());
  }

  async #readLog(runId: string, after: number): Promise<RunEvent[] | undefined> {
    const bytes = await unlessMissing(readFile(this.#files.pathFor(runId)));
    if (bytes === undefined) return undefined;
    // A half line at the end is an append in progress: it is read once it is whole.
    const parsed = parseEventLog(bytes, runId, after);
    if (parsed.damage?.kind === 'corrupt') this.#log(`weft: the log of run ${runId} is damaged: ${parsed.damage.message}`);
    return parsed.events;
  }

  /**
   * Reads a log at start-up and repairs it: a damaged original is copied to `*.corrupt-<time>`
   * and the file is cut back to its valid prefix, so later appends follow whole events.
   */
  async recover(runId: string): Promise<RecoveredLog | undefined> {
    const path = this.#files.pathFor(runId);
    const bytes = await unlessMissing(readFile(path));
    if (bytes === undefined) return undefined;
    const parsed = parseEventLog(bytes, runId);
    const last = parsed.events.at(-1);
    if (last && !isTerminal(last)) this.#sizes.set(runId, parsed.validLength);
    if (!parsed.damage) return { events: parsed.events };
    const keptAside = await copyAside(path);
    await writeFileAtomic(path, bytes.subarray(0, parsed.validLength), this.#fs);
    const what = parsed.damage.kind === 'truncated-tail' ? 'dropped a half-written last event (the server stopped during a write)' : `the log is damaged (${parsed.damage.message}); kept its first ${parsed.events.length} events`;
    this.#log(`weft: run ${runId}: ${what}. The original was kept as ${keptAside}.`);
    return { events: parsed.events, damage: parsed.damage, keptAside };
  }

  /**
   * After a failed write of a run: once nothing of the run is queued, forgets the failure and
   * reads the log back as `recover` does (cutting off whatever the failed write left), so the
   * run can continue from what is on disk.
   */
  async reopen(runId: string): Promise<RecoveredLog | undefined> {
    while (this.#writes.has(runId)) await this.flush();
    this.#broken.delete(runId);
    this.#sizes.delete(runId);
    return this.recover(runId);
  }

  #onRecovered(): void {
    if (this.index.dirty && !this.#indexWrite) void this.indexChanged();
    for (const listener of this.#recoveredListeners) {
      try {
        listener();
      } catch (error) {
        this.#log(`weft: a listener failed when the store recovered: ${describe(error)}`);
      }
    }
  }

  /** Ids of every run with a log file. */
  async logIds(): Promise<string[]> {
    const names = await readdir(this.#files.directory);
    return names.filter((name) => name.endsWith(LOG_SUFFIX)).map((name) => name.slice(0, -LOG_SUFFIX.length)).filter((id) => ID_PATTERN.test(id));
  }

  /** Writes what is queued, closes the logs and releases the data directory. Later appends are ignored. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#health.close();
    await this.flush();
    // Index changes listeners made while the last writes were stored.
    if (this.index.dirty) await this.#writeIndex();
    await this.#files.closeAll();
    await this.#lock.release();
  }
}

const DEFAULT_FS: AtomicWriteFs = { open, rename, unlink };

function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
