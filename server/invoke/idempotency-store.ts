/**
 * Remembers which run an `Idempotency-Key` started, so a retried invoke call returns that run
 * instead of starting (and paying for) a second one. Entries live for IDEMPOTENCY_RETENTION_MS and
 * are kept in `idempotency.json` in the data directory (saved like the run index, atomically), so
 * a retry after a restart still finds its run. Calls with the same key at the same time share one
 * start. In database mode the entries are in PostgreSQL instead (idempotency-postgres.ts), shared
 * by every server on the database.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { readJsonDataFile, writeJsonDataFile } from '../store/json-data-file.ts';

/** At least a day, as the invoke contract promises; a little more so a retry at 24 h still matches. */
export const IDEMPOTENCY_RETENTION_MS = 25 * 60 * 60 * 1000;

const entrySchema = z.object({ runId: z.string(), fingerprint: z.string(), at: z.number() }).strict();
const fileSchema = z.object({ version: z.literal(1), entries: z.record(z.string(), entrySchema) }).strict();
type IdempotencyFile = z.infer<typeof fileSchema>;

export type Remembered = { runId: string; reused: boolean } | { mismatch: true };

/** Whose key it is: the API key's name ('' without one), the flow, and the `Idempotency-Key` sent. */
export interface IdempotencyScope {
  keyName: string;
  flowId: string;
  key: string;
}

/** Where a server remembers the runs `Idempotency-Key`s started: this file, or PostgreSQL. */
export interface Idempotency {
  /**
   * The run this key started (within the retention), or the run `start` starts now; `start` is
   * called at most once per key. A failed start is not remembered, so the call can be retried.
   */
  remember(scope: IdempotencyScope, fingerprint: string, start: () => Promise<string>): Promise<Remembered>;
}

/** What a call asks for, so the same key with a different request is refused, not answered with another's run. */
export function requestFingerprint(request: unknown): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

export class IdempotencyStore implements Idempotency {
  readonly #path: string;
  readonly #data: IdempotencyFile;
  readonly #now: () => number;
  readonly #inFlight = new Map<string, { fingerprint: string; started: Promise<string> }>();

  private constructor(path: string, data: IdempotencyFile, now: () => number) {
    this.#path = path;
    this.#data = data;
    this.#now = now;
  }

  static async open(dataDir: string, now: () => number = Date.now): Promise<IdempotencyStore> {
    const path = join(dataDir, 'idempotency.json');
    return new IdempotencyStore(path, (await readJsonDataFile(path, fileSchema)) ?? { version: 1, entries: {} }, now);
  }

  async remember(scope: IdempotencyScope, fingerprint: string, start: () => Promise<string>): Promise<Remembered> {
    const key = `${scope.keyName}\n${scope.flowId}\n${scope.key}`;
    const entries = this.#data.entries;
    const known = Object.hasOwn(entries, key) ? entries[key] : undefined;
    if (known && this.#now() - known.at < IDEMPOTENCY_RETENTION_MS) return known.fingerprint === fingerprint ? { runId: known.runId, reused: true } : { mismatch: true };
    const pending = this.#inFlight.get(key);
    if (pending) return pending.fingerprint === fingerprint ? { runId: await pending.started, reused: true } : { mismatch: true };
    const started = start();
    this.#inFlight.set(key, { fingerprint, started });
    try {
      const runId = await started;
      this.#prune();
      this.#data.entries[key] = { runId, fingerprint, at: this.#now() };
      await writeJsonDataFile(this.#path, this.#data);
      return { runId, reused: false };
    } finally {
      this.#inFlight.delete(key);
    }
  }

  #prune(): void {
    const entries = this.#data.entries;
    for (const [key, entry] of Object.entries(entries)) if (this.#now() - entry.at >= IDEMPOTENCY_RETENTION_MS) delete entries[key];
  }
}
