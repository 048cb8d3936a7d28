/**
 * Whether the database can be written, for the runs store of database mode: the counterpart of
 * server/store/store-health.ts, whose probe is a `SELECT 1` instead of a file write. Healthy
 * until a write fails because the database is out of reach; then requests that would write
 * answer 503, and a probe runs on each such request and every second until one succeeds, which
 * calls `onRecovered` (halted runs continue from what the database holds).
 */
import { StoreUnavailableError, storeUnavailable } from '../store-errors.ts';
import { PROBE_INTERVAL_MS } from '../store-health.ts';
import type { Database } from './database.ts';
import { reasonOf } from './database-errors.ts';

export interface DatabaseHealthOptions {
  database: Database;
  log: (line: string) => void;
  onRecovered: () => void;
}

export class DatabaseHealth {
  readonly #options: DatabaseHealthOptions;
  #fault: StoreUnavailableError | undefined;
  #probe: Promise<boolean> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: DatabaseHealthOptions) {
    this.#options = options;
  }

  get healthy(): boolean {
    return this.#fault === undefined;
  }

  /** The error a write of the run store answers while the database is away. */
  faultOf(error: unknown): StoreUnavailableError {
    const fault = `the database at ${this.#options.database.target} is unavailable (${reasonOf(error)})`;
    return new StoreUnavailableError(`the run store cannot write: ${fault}`, undefined, fault);
  }

  reportFault(error: StoreUnavailableError): void {
    const first = this.#fault === undefined;
    this.#fault = error;
    if (!first) return;
    this.#options.log(`weft: ${error.fault ?? error.message}; requests that would write answer 503 until it answers again.`);
    this.#timer = setInterval(() => void this.#probeOnce(), PROBE_INTERVAL_MS);
    this.#timer.unref();
  }

  async check(what?: string): Promise<void> {
    if (this.#fault === undefined) return;
    if (await this.#probeOnce()) return;
    throw storeUnavailable(this.#fault, what);
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #probeOnce(): Promise<boolean> {
    this.#probe ??= this.#query().finally(() => (this.#probe = undefined));
    return this.#probe;
  }

  async #query(): Promise<boolean> {
    if (this.#fault === undefined) return true;
    try {
      await this.#options.database.query('SELECT 1');
    } catch (error) {
      this.#fault = this.faultOf(error);
      return false;
    }
    if (this.#fault === undefined) return true;
    this.#fault = undefined;
    this.close();
    this.#options.log('weft: the database answers again; stopped runs continue from what it holds.');
    this.#options.onRecovered();
    return true;
  }
}
