/**
 * The run index on lowdb: one small record per run (what the history list needs), kept apart from
 * the event logs so that listing runs never reads a log and appending an event never rewrites it.
 * It is a cache of the logs: a corrupt index is kept aside and rebuilt from them.
 *
 * On disk it is a snapshot (`runs-index.json`, lowdb, written atomically) plus a journal beside it
 * (`runs-index.journal`, JSON lines `{"put": entry}` / `{"remove": runId}`). A write appends the
 * entries changed since the last one to the journal, one write on a descriptor opened with O_DSYNC,
 * so it costs what changed, not the whole history (bench/README.md, "Round four: run index"). Once
 * the journal outgrows max(snapshot, 1 MiB) the snapshot is rewritten and the journal emptied.
 */
import { constants } from 'node:fs';
import { open as openFile, readFile, stat, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Low } from 'lowdb';
import { z } from 'zod';
import { parseJsonText } from '../../shared/json-text.ts';
import { formatPath } from '../../shared/validate.ts';
import { runOriginSchema } from '../../shared/run-origin.ts';
import { syncDirectory, type AtomicWriteFs } from './atomic-write.ts';
import { DurableJsonFile } from './durable-json-file.ts';
import { moveAside } from './keep-aside.ts';
import { RunOrder } from './run-order.ts';
import type { RunIndexView } from './runs-storage.ts';
import { unlessMissing } from './unless-missing.ts';

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

/** One journal line: the entry as it now is, or the run that left the index. */
const putLineSchema = z.object({ put: runIndexEntrySchema }).strict();
const removeLineSchema = z.object({ remove: z.string().max(200) }).strict();
type JournalLine = z.infer<typeof putLineSchema> | z.infer<typeof removeLineSchema>;

/**
 * The longest journal line read back; a longer change goes into a rewritten snapshot instead (an
 * entry is a few hundred bytes: its inputs preview and names are short).
 */
export const MAX_JOURNAL_LINE = 256 * 1024;
/** The journal is compacted once it is larger than the snapshot and than this. */
export const MIN_COMPACT_BYTES = 1024 * 1024;

/** Entries stringified between two turns of the event loop when the snapshot is rewritten (about 400 KB). */
export const SNAPSHOT_SLICE = 1_000;

export function journalPathFor(path: string): string {
  return `${path.replace(/\.json$/, '')}.journal`;
}

/** Appends, each on disk when the write returns (what `write` + `fdatasync` does, in one call). */
const JOURNAL_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_DSYNC;

/** The whole lines of a journal, and where the last whole line ends (a torn tail is past it). */
function parseJournal(text: Buffer, path: string): { lines: JournalLine[]; wholeBytes: number } {
  const lines: JournalLine[] = [];
  let offset = 0;
  let number = 0;
  for (;;) {
    const end = text.indexOf(10, offset);
    if (end === -1) break;
    number++;
    if (end - offset > MAX_JOURNAL_LINE) throw new CorruptIndexError(`${path} line ${number}: longer than ${MAX_JOURNAL_LINE} bytes`);
    const json = parseJsonText(text.toString('utf8', offset, end));
    if (!json.ok) throw new CorruptIndexError(`${path} line ${number}: ${json.message}`);
    // Told apart by their key, so that an error names the field (a union would only say "invalid").
    const removes = typeof json.value === 'object' && json.value !== null && Object.hasOwn(json.value, 'remove');
    const parsed = (removes ? removeLineSchema : putLineSchema).safeParse(json.value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new CorruptIndexError(`${path} line ${number}: ${formatPath(issue.path) || 'the line'}: ${issue.message}`);
    }
    // Replayed as `runs[runId] = entry`: "__proto__" would set the object's prototype instead.
    if ('put' in parsed.data && parsed.data.put.runId === '__proto__') throw new CorruptIndexError(`${path} line ${number}: put.runId: "__proto__" is not a run id`);
    lines.push(parsed.data);
    offset = end + 1;
  }
  return { lines, wholeBytes: offset };
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
  readonly journalPath: string;
  /** The entries in order, kept as they change (run-order.ts). */
  readonly order: RunOrder;
  readonly #db: Low<IndexFile>;
  readonly #fs: Pick<AtomicWriteFs, 'open'>;
  /** Runs changed since the last write (put or removed: what memory holds now is written). */
  #changed = new Set<string>();
  /** Bytes of the snapshot on disk; undefined while there is none (the first write makes it). */
  #snapshotBytes: number | undefined;
  /** Bytes of whole lines in the journal; anything past it is cut off before the next append. */
  #journalBytes: number;
  /** A failed append may have left part of a line past `#journalBytes`. */
  #journalTail = false;
  readonly #minCompactBytes: number;
  /** Bytes of the snapshot text last made (set by the adapter's stringify). */
  readonly #file: DurableJsonFile<IndexFile>;

  private constructor(
    path: string,
    db: Low<IndexFile>,
    files: { fs: Pick<AtomicWriteFs, 'open'>; file: DurableJsonFile<IndexFile>; minCompactBytes: number },
    snapshotBytes: number | undefined,
    journalBytes: number,
  ) {
    this.path = path;
    this.journalPath = journalPathFor(path);
    this.#db = db;
    this.#fs = files.fs;
    this.#file = files.file;
    this.#minCompactBytes = files.minCompactBytes;
    this.#snapshotBytes = snapshotBytes;
    this.#journalBytes = journalBytes;
    this.order = new RunOrder(Object.values(db.data.runs));
  }

  /**
   * Reads the snapshot, then replays the journal over it (the last line about a run wins). A torn
   * last journal line (a crash during a write that had not resolved) is dropped and cut off. A
   * snapshot or journal line that does not parse is handled as a corrupt index: both files are
   * renamed `*.corrupt-<time>` and reported through `log`; the index then starts empty and the
   * caller rebuilds it from the logs. `fs` is for tests, and so is `minCompactBytes` (default 1 MiB).
   */
  static async open(
    path: string,
    log: (line: string) => void,
    fs?: AtomicWriteFs,
    options: { minCompactBytes?: number } = {},
  ): Promise<{ index: RunIndex; keptAside?: string }> {
    const journalPath = journalPathFor(path);
    const file = new DurableJsonFile<IndexFile>(path, { parse: parseIndex, stringify: (data) => `${JSON.stringify(data)}\n`, fs });
    const files = { fs: fs ?? { open: openFile }, file, minCompactBytes: options.minCompactBytes ?? MIN_COMPACT_BYTES };
    const db = new Low<IndexFile>(file, { version: 1, runs: {} });
    try {
      await db.read();
      const snapshotBytes = (await unlessMissing(stat(path)))?.size;
      const journal = await unlessMissing(readFile(journalPath));
      const { lines, wholeBytes } = journal ? parseJournal(journal, journalPath) : { lines: [], wholeBytes: 0 };
      const runs = db.data.runs;
      for (const line of lines) {
        if ('put' in line) runs[line.put.runId] = line.put;
        else if (Object.hasOwn(runs, line.remove)) delete runs[line.remove];
      }
      if (journal && wholeBytes < journal.length) {
        await truncate(journalPath, wholeBytes);
        log(`weft: the run index journal ${journalPath} ended in a half written line (${journal.length - wholeBytes} bytes, a write cut short); it was dropped.`);
      }
      return { index: new RunIndex(path, db, files, snapshotBytes, wholeBytes) };
    } catch (error) {
      if (!(error instanceof CorruptIndexError)) throw error;
      const aside = await unlessMissing(moveAside(path));
      const journalAside = await unlessMissing(moveAside(journalPath));
      const kept = [aside, journalAside].filter((name) => name !== undefined).join(' and ');
      log(`weft: the run index ${path} is corrupt (${error.message}). It was kept as ${kept}; the index is rebuilt from the run logs.`);
      db.data = { version: 1, runs: {} };
      return { index: new RunIndex(path, db, files, undefined, 0), keptAside: aside ?? journalAside };
    }
  }

  /** An own-property lookup: a run id such as "constructor" must not find Object.prototype's. */
  get(runId: string): RunIndexEntry | undefined {
    const runs = this.#db.data.runs;
    return Object.hasOwn(runs, runId) ? runs[runId] : undefined;
  }

  /** Newest first (a copy). */
  list(): RunIndexEntry[] {
    return this.order.entries.slice().reverse();
  }

  /** Changes memory now (no await between read and write); the write queue persists it. */
  put(entry: RunIndexEntry): void {
    this.order.set(entry, this.get(entry.runId));
    this.#db.data.runs[entry.runId] = entry;
    this.#changed.add(entry.runId);
  }

  remove(runId: string): void {
    const previous = this.get(runId);
    if (!previous) return;
    this.order.delete(previous);
    delete this.#db.data.runs[runId];
    this.#changed.add(runId);
  }

  get dirty(): boolean {
    return this.#changed.size > 0;
  }

  /**
   * Called from the write queue only. Appends what changed to the journal; makes the snapshot when
   * there is none yet, or when the journal has grown past max(snapshot, 1 MiB): each rewrite of the
   * snapshot then follows at least as many journal bytes as it writes, so a change costs O(1)
   * amortised and opening reads at most about twice the snapshot.
   */
  async write(): Promise<void> {
    if (this.#changed.size === 0) return;
    const changed = this.#changed;
    this.#changed = new Set();
    try {
      const text = this.#snapshotBytes === undefined ? undefined : this.#journalText(changed);
      if (text === undefined) {
        await this.#compact();
        return;
      }
      await this.#append(text);
    } catch (error) {
      for (const runId of changed) this.#changed.add(runId);
      throw error;
    }
    // The changes are on disk: a failed compaction is reported, and tried again with the next write.
    if (this.#journalBytes > Math.max(this.#snapshotBytes ?? 0, this.#minCompactBytes)) await this.#compact();
  }

  /** The lines for `changed`, or undefined when one is too long for the journal (the snapshot takes it). */
  #journalText(changed: Set<string>): Buffer | undefined {
    const lines: string[] = [];
    for (const runId of changed) {
      const entry = this.get(runId);
      const line = `${JSON.stringify(entry ? { put: entry } : { remove: runId })}\n`;
      if (line.length * 3 > MAX_JOURNAL_LINE && Buffer.byteLength(line) > MAX_JOURNAL_LINE) return undefined;
      lines.push(line);
    }
    return Buffer.from(lines.join(''), 'utf8');
  }

  /** One write at the end of the whole lines; a failure cuts the journal back to them. */
  async #append(bytes: Buffer): Promise<void> {
    const handle = await this.#fs.open(this.journalPath, JOURNAL_FLAGS, 0o644);
    try {
      if (this.#journalTail) {
        await handle.truncate(this.#journalBytes);
        await handle.datasync();
        this.#journalTail = false;
      }
      // A new journal: its directory entry must be durable too, not only its contents.
      if (this.#journalBytes === 0 && (await handle.stat()).size === 0) await syncDirectory(dirname(this.journalPath), this.#fs);
      try {
        for (let offset = 0; offset < bytes.length; ) offset += (await handle.write(bytes, offset, bytes.length - offset, this.#journalBytes + offset)).bytesWritten;
      } catch (error) {
        this.#journalTail = true;
        await handle
          .truncate(this.#journalBytes)
          .then(() => (this.#journalTail = false))
          .catch(() => undefined);
        throw error;
      }
      this.#journalBytes += bytes.length;
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  /**
   * Rewrites the snapshot from memory (durably, atomically), then empties the journal. A crash in
   * between leaves journal lines whose changes the snapshot already holds: replaying them gives
   * the same entries, except for changes made while this write was under way, which had not been
   * reported written and come back as they were last written (the logs reconcile unfinished runs).
   */
  async #compact(): Promise<void> {
    const chunks = await snapshotChunks(this.order.entries.slice());
    await this.#file.writeContent(chunks);
    this.#snapshotBytes = chunks.reduce((bytes, chunk) => bytes + chunk.length, 0);
    if (this.#journalBytes === 0 && !this.#journalTail) return;
    const handle = await this.#fs.open(this.journalPath, JOURNAL_FLAGS, 0o644);
    try {
      await handle.truncate(0);
      await handle.datasync();
    } finally {
      await handle.close().catch(() => undefined);
    }
    this.#journalBytes = 0;
    this.#journalTail = false;
  }
}

/**
 * The snapshot, `{"version":1,"runs":{...}}` and a newline, made as chunks of SNAPSHOT_SLICE entries
 * with a turn of the event loop between two: at 100,000 runs kept one `JSON.stringify` of the
 * whole index, its UTF-8 copy and reading the entries out of the record held the server's thread
 * for 135 to 140 ms (bench/persistence.ts, "longest event-loop block"). `entries` is a copy taken
 * when it starts (an entry is replaced, never changed in place); changes made meanwhile are in the
 * next journal write.
 */
async function snapshotChunks(entries: readonly RunIndexEntry[]): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  let text = '{"version":1,"runs":{';
  for (let at = 0; at < entries.length; at += 1) {
    const entry = entries[at]!;
    text += `${at > 0 ? ',' : ''}${JSON.stringify(entry.runId)}:${JSON.stringify(entry)}`;
    if ((at + 1) % SNAPSHOT_SLICE === 0) {
      chunks.push(Buffer.from(text, 'utf8'));
      text = '';
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  chunks.push(Buffer.from(`${text}}}\n`, 'utf8'));
  return chunks;
}
