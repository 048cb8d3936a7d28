/**
 * Whether a runs store can write, for both stores. Healthy until a write fails; from then on
 * requests that would write are refused (503) instead of starting work that cannot be recorded,
 * and a probe is tried on each such request and every second in the background. The first probe
 * that succeeds makes the store healthy again and tells `onRecovered`, which continues what the
 * failure stopped. The file store's probe writes a small temporary file (`fileStoreHealth`); the
 * database's is a `SELECT 1` (postgres/database-health.ts).
 */
import { join } from 'node:path';
import type { AtomicWriteFs } from './atomic-write.ts';
import { describeStoreFault, storeUnavailable } from './store-errors.ts';

const PROBE_FILE_NAME = '.write-probe';
/** One page: on a full disk even a small file needs a block it cannot get. */
const PROBE_BYTES = 4096;
export const PROBE_INTERVAL_MS = 1_000;

export interface StoreHealthOptions {
  /** Resolves when the store can write; throws why it cannot. */
  probe(): Promise<void>;
  /** The fault a failed probe leaves, which 503 answers name (default: the error itself). */
  faultOf?(error: unknown): unknown;
  /** The line logged when the store turns unhealthy. */
  lost(fault: unknown): string;
  /** The line logged when a probe succeeds again. */
  back: string;
  log: (line: string) => void;
  onRecovered: () => void;
}

export class StoreHealth {
  readonly #options: StoreHealthOptions;
  /** The failure that made the store unhealthy; undefined while healthy. */
  #fault: unknown;
  #probe: Promise<boolean> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: StoreHealthOptions) {
    this.#options = options;
  }

  get healthy(): boolean {
    return this.#fault === undefined;
  }

  /** A write failed: refuse writing requests until a probe succeeds. */
  reportFault(error: unknown): void {
    const first = this.#fault === undefined;
    this.#fault = error;
    if (!first) return;
    this.#options.log(this.#options.lost(error));
    this.#timer = setInterval(() => void this.#probeOnce(), PROBE_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Resolves when the store can write (probing if it could not); rejects with a 503 error otherwise. */
  async check(what?: string): Promise<void> {
    if (this.#fault === undefined) return;
    if (await this.#probeOnce()) return;
    throw storeUnavailable(this.#fault, what);
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One probe at a time; callers arriving meanwhile share its answer. */
  #probeOnce(): Promise<boolean> {
    this.#probe ??= this.#runProbe().finally(() => (this.#probe = undefined));
    return this.#probe;
  }

  async #runProbe(): Promise<boolean> {
    if (this.#fault === undefined) return true;
    try {
      await this.#options.probe();
    } catch (error) {
      this.#fault = this.#options.faultOf ? this.#options.faultOf(error) : error;
      return false;
    }
    if (this.#fault === undefined) return true;
    this.#fault = undefined;
    this.close();
    this.#options.log(this.#options.back);
    this.#options.onRecovered();
    return true;
  }
}

export interface FileStoreHealthOptions {
  dataDir: string;
  fs: AtomicWriteFs;
  log: (line: string) => void;
  onRecovered: () => void;
}

/** The file store's: the probe writes a temporary file in the data directory, flushes it and removes it. */
export function fileStoreHealth(options: FileStoreHealthOptions): StoreHealth {
  const path = join(options.dataDir, PROBE_FILE_NAME);
  const { fs } = options;
  return new StoreHealth({
    async probe() {
      try {
        const handle = await fs.open(path, 'w', 0o644);
        try {
          await handle.writeFile(Buffer.alloc(PROBE_BYTES, 0x20));
          await handle.sync();
        } finally {
          await handle.close();
        }
      } finally {
        await fs.unlink(path).catch(() => undefined);
      }
    },
    lost: (fault) => `weft: the data directory cannot be written (${describeStoreFault(fault)}); requests that would write answer 503 until a test write succeeds.`,
    back: 'weft: the data directory can be written again; stopped runs continue from their logs.',
    log: options.log,
    onRecovered: options.onRecovered,
  });
}
