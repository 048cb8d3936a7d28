/**
 * Durable runs: a lowdb index of runs plus one append-only JSON-lines log per run, in WEFT_DATA_DIR.
 *
 * Every write goes through one queue. Events appended in the same tick become one write per run
 * (and one fsync), and memory is changed before anything is awaited, so no read-modify-write spans
 * an await. Listeners hear about events only once they are on disk: that is where the WebSocket
 * broadcast and the REST answers hang, so nothing is shown that a crash could take back.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isTerminal, type RunEvent } from '../../shared/events.ts';
import { ID_PATTERN } from '../../shared/ids.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { acquireDataLock, type DataLock } from './data-lock.ts';
import { formatEventLines, parseEventLog, type LogDamage } from './event-log-text.ts';
import { copyAside } from './keep-aside.ts';
import { RunIndex } from './run-index.ts';
import { LOG_SUFFIX, RunLogFiles } from './run-log-files.ts';

export const INDEX_FILE_NAME = 'runs-index.json';
export const RUNS_DIRECTORY_NAME = 'runs';

export interface RunsStoreOptions {
  dataDir: string;
  /** Where warnings go (corrupt files kept aside, dropped half lines). */
  log?: (line: string) => void;
  /** fsync each batch (default true); false only writes, for benchmarks that measure the difference. */
  sync?: boolean;
}

export interface RecoveredLog {
  events: RunEvent[];
  damage?: LogDamage;
  /** Where the damaged original was kept. */
  keptAside?: string;
}

export type StoredListener = (events: RunEvent[]) => void;

export class RunsStore {
  readonly dataDir: string;
  readonly index: RunIndex;
  readonly #files: RunLogFiles;
  readonly #lock: DataLock;
  readonly #log: (line: string) => void;
  readonly #sync: boolean;
  readonly #listeners = new Set<StoredListener>();
  /** Runs whose log could not be written: later events are not stored (a restart resumes from the log). */
  readonly #broken = new Set<string>();
  #pending: RunEvent[] = [];
  #batch: Promise<BatchOutcome> | undefined;
  #tail: Promise<void> = Promise.resolve();
  #closed = false;

  /** Use `RunsStore.open`, which locks the directory and reads the index first. */
  constructor(dataDir: string, index: RunIndex, lock: DataLock, options: RunsStoreOptions) {
    this.dataDir = dataDir;
    this.index = index;
    this.#lock = lock;
    this.#files = new RunLogFiles(join(dataDir, RUNS_DIRECTORY_NAME));
    this.#log = options.log ?? ((line) => console.warn(line));
    this.#sync = options.sync ?? true;
  }

  /** Locks the data directory (refusing a second server), then reads the index. */
  static async open(options: RunsStoreOptions): Promise<RunsStore> {
    const dataDir = resolve(options.dataDir);
    const log = options.log ?? ((line: string) => console.warn(line));
    await mkdir(join(dataDir, RUNS_DIRECTORY_NAME), { recursive: true });
    const lock = await acquireDataLock(dataDir, log);
    try {
      const { index } = await RunIndex.open(join(dataDir, INDEX_FILE_NAME), log);
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

  /**
   * Queues an event; the promise settles when the batch holding it is on disk (it never counts as
   * unhandled, so callers that do not wait need not catch).
   */
  append(event: RunEvent): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#pending.push(event);
    return handled(
      this.#schedule().then((outcome) => {
        const error = outcome.failedRuns.get(event.runId);
        if (error !== undefined) throw error;
      }),
    );
  }

  /** Persists index changes made with `index.put` along with the next batch. */
  indexChanged(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return handled(
      this.#schedule().then((outcome) => {
        if (outcome.indexError !== undefined) throw outcome.indexError;
      }),
    );
  }

  /** Resolves once everything queued so far has been written (or has failed and been reported). */
  async flush(): Promise<void> {
    let tail: Promise<void>;
    do {
      tail = this.#tail;
      await tail;
    } while (tail !== this.#tail);
  }

  #schedule(): Promise<BatchOutcome> {
    if (this.#batch) return this.#batch;
    // Wait one macrotask so that every event the engine emits in this tick joins the batch.
    const batch = this.#tail.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(() => this.#writeBatch());
    this.#batch = batch;
    this.#tail = batch.then(() => undefined);
    return batch;
  }

  /** Never throws: failures are reported per run (and for the index) to whoever waits on them. */
  async #writeBatch(): Promise<BatchOutcome> {
    this.#batch = undefined;
    const events = this.#pending;
    this.#pending = [];
    const byRun = new Map<string, RunEvent[]>();
    for (const event of events) {
      const group = byRun.get(event.runId);
      if (group) group.push(event);
      else byRun.set(event.runId, [event]);
    }
    const failedRuns = new Map<string, unknown>();
    let indexError: unknown;
    const written = new Set<string>();
    for (const [runId, group] of byRun) {
      if (this.#broken.has(runId)) {
        failedRuns.set(runId, new Error(`the log of run ${runId} could not be written earlier; its events are no longer stored`));
        continue;
      }
      try {
        await this.#files.append(runId, formatEventLines(group), this.#sync);
        written.add(runId);
        if (group.some(isTerminal)) await this.#files.close(runId);
      } catch (error) {
        failedRuns.set(runId, error);
        this.#broken.add(runId);
        this.#log(`weft: could not write the log of run ${runId} (${describe(error)}); its later events are not stored. Restart the server to resume the run from its log.`);
      }
    }
    try {
      await this.index.write();
    } catch (error) {
      indexError = error;
      this.#log(`weft: could not write the run index (${describe(error)}); it is retried with the next write and rebuilt from the logs on start.`);
    }
    const stored = written.size === byRun.size ? events : events.filter((event) => written.has(event.runId));
    if (stored.length > 0) {
      for (const listener of this.#listeners) {
        try {
          listener(stored);
        } catch (error) {
          this.#log(`weft: a listener failed on stored events: ${describe(error)}`);
        }
      }
    }
    return { failedRuns, ...(indexError !== undefined ? { indexError } : {}) };
  }

  /** Stored events of a run with seq > after; undefined when the run has no log. */
  async readEvents(runId: string, after = 0): Promise<RunEvent[] | undefined> {
    let text: string;
    try {
      text = await readFile(this.#files.pathFor(runId), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    // A half line at the end is an append in progress: it is read once it is whole.
    const parsed = parseEventLog(text, runId, after);
    if (parsed.damage?.kind === 'corrupt') this.#log(`weft: the log of run ${runId} is damaged: ${parsed.damage.message}`);
    return parsed.events;
  }

  /**
   * Reads a log at start-up and repairs it: a damaged original is copied to `*.corrupt-<time>`
   * and the file is cut back to its valid prefix, so later appends follow whole events.
   */
  async recover(runId: string): Promise<RecoveredLog | undefined> {
    const path = this.#files.pathFor(runId);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const parsed = parseEventLog(bytes.toString('utf8'), runId);
    if (!parsed.damage) return { events: parsed.events };
    const keptAside = await copyAside(path);
    await writeFileAtomic(path, bytes.subarray(0, parsed.validLength).toString('utf8'));
    const what = parsed.damage.kind === 'truncated-tail' ? 'dropped a half-written last event (the server stopped during a write)' : `the log is damaged (${parsed.damage.message}); kept its first ${parsed.events.length} events`;
    this.#log(`weft: run ${runId}: ${what}. The original was kept as ${keptAside}.`);
    return { events: parsed.events, damage: parsed.damage, keptAside };
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
    await this.flush();
    await this.#files.closeAll();
    await this.#lock.release();
  }
}

interface BatchOutcome {
  failedRuns: Map<string, unknown>;
  indexError?: unknown;
}

/** A promise that rejects for whoever awaits it but never counts as unhandled. */
function handled(promise: Promise<void>): Promise<void> {
  promise.catch(() => undefined);
  return promise;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
