/**
 * The run index on lowdb: one small record per run (what the history list needs), kept apart from
 * the event logs so that listing runs never reads a log and appending an event never rewrites it.
 * It is a cache of the logs: a corrupt index is kept aside and rebuilt from them.
 */
import { Low } from 'lowdb';
import { z } from 'zod';
import { parseJsonText } from '../../shared/json-text.ts';
import { formatPath } from '../../shared/validate.ts';
import { runOriginSchema } from '../../shared/run-origin.ts';
import type { AtomicWriteFs } from './atomic-write.ts';
import { DurableJsonFile } from './durable-json-file.ts';
import { moveAside } from './keep-aside.ts';
import { compareNewestFirst, type RunIndexView } from './runs-storage.ts';

export const runIndexEntrySchema = z
  .object({
    runId: z.string(),
    flowId: z.string(),
    flowName: z.string(),
    flowHash: z.string(),
    status: z.enum(['running', 'waiting', 'succeeded', 'failed', 'cancelled']),
    startedAt: z.string(),
    endedAt: z.string().optional(),
    costUsd: z.number(),
    /** How long the run took (ended runs), for the history list. */
    durationMs: z.number().min(0).optional(),
    /** The start of the run's inputs as JSON, so the history list can tell runs apart. */
    inputsPreview: z.string().optional(),
    /** What started the run (shared/run-origin.ts). */
    origin: runOriginSchema.optional(),
    /** A child run's (subflow, map item): the run whose step started it. */
    parentRunId: z.string().optional(),
  })
  .strict();
export type RunIndexEntry = z.infer<typeof runIndexEntrySchema>;

const indexFileSchema = z.object({ version: z.literal(1), runs: z.record(z.string(), runIndexEntrySchema) }).strict();
type IndexFile = z.infer<typeof indexFileSchema>;

export class CorruptIndexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptIndexError';
  }
}

function parseIndex(text: string): IndexFile {
  const json = parseJsonText(text);
  if (!json.ok) throw new CorruptIndexError(json.message);
  const parsed = indexFileSchema.safeParse(json.value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CorruptIndexError(`${formatPath(issue.path) || 'the file'}: ${issue.message}`);
  }
  return parsed.data;
}

export class RunIndex implements RunIndexView {
  readonly path: string;
  readonly #db: Low<IndexFile>;
  #dirty = false;

  private constructor(path: string, db: Low<IndexFile>) {
    this.path = path;
    this.#db = db;
  }

  /**
   * Reads the index. A file that does not parse is renamed `*.corrupt-<time>` and reported through
   * `log`; the index then starts empty and the caller rebuilds it from the logs. Writes are
   * durable (temporary file, fsync, rename, fsync of the directory); `fs` is for tests.
   */
  static async open(path: string, log: (line: string) => void, fs?: AtomicWriteFs): Promise<{ index: RunIndex; keptAside?: string }> {
    const file = new DurableJsonFile<IndexFile>(path, { parse: parseIndex, stringify: (data) => `${JSON.stringify(data, null, 1)}\n`, fs });
    const db = new Low<IndexFile>(file, { version: 1, runs: {} });
    try {
      await db.read();
      return { index: new RunIndex(path, db) };
    } catch (error) {
      if (!(error instanceof CorruptIndexError)) throw error;
      const aside = await moveAside(path);
      log(`weft: the run index ${path} is corrupt (${error.message}). It was kept as ${aside}; the index is rebuilt from the run logs.`);
      db.data = { version: 1, runs: {} };
      return { index: new RunIndex(path, db), keptAside: aside };
    }
  }

  /** An own-property lookup: a run id such as "constructor" must not find Object.prototype's. */
  get(runId: string): RunIndexEntry | undefined {
    const runs = this.#db.data.runs;
    return Object.hasOwn(runs, runId) ? runs[runId] : undefined;
  }

  /** Newest first. */
  list(): RunIndexEntry[] {
    return Object.values(this.#db.data.runs).sort(compareNewestFirst);
  }

  /** Changes memory now (no await between read and write); the write queue persists it. */
  put(entry: RunIndexEntry): void {
    this.#db.data.runs[entry.runId] = entry;
    this.#dirty = true;
  }

  remove(runId: string): void {
    if (!Object.hasOwn(this.#db.data.runs, runId)) return;
    delete this.#db.data.runs[runId];
    this.#dirty = true;
  }

  get dirty(): boolean {
    return this.#dirty;
  }

  /** Called from the write queue only. */
  async write(): Promise<void> {
    if (!this.#dirty) return;
    this.#dirty = false;
    try {
      await this.#db.write();
    } catch (error) {
      this.#dirty = true;
      throw error;
    }
  }
}
