/**
 * The open append handles of run logs (`runs/<runId>.jsonl`). Appending is a write at the end of
 * the run's own file, so it costs the same at event 10 as at event 100,000. A bounded number of
 * handles stay open (least recently used is closed first, never one that is being written to:
 * appends to different runs run in parallel). One append per run at a time (the store sees to it).
 */
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ID_PATTERN } from '../../shared/ids.ts';
import { syncDirectory, type AtomicWriteFs } from './atomic-write.ts';

export const LOG_SUFFIX = '.jsonl';
/**
 * Enough for every unfinished run of a busy server: past this, each append of each run reopens,
 * stats and closes its file (with 64, a few hundred concurrent runs spent a quarter of the
 * server's CPU per model step on that). Node raises its descriptor limit to the hard limit at
 * start, thousands on any current Linux.
 */
const MAX_OPEN = 1024;

interface OpenLog {
  handle: FileHandle;
  /** Bytes known to be whole events; a failed append is cut back to this. */
  size: number;
  /** An append is using the handle: it is not closed to make room. */
  busy: boolean;
}

export class RunLogFiles {
  readonly directory: string;
  readonly #open = new Map<string, OpenLog>();
  readonly #fs: Pick<AtomicWriteFs, 'open' | 'unlink'>;

  /** `fs` is for tests that make writes fail (a full disk) without a real one. */
  constructor(directory: string, fs: Pick<AtomicWriteFs, 'open' | 'unlink'> = { open, unlink }) {
    this.directory = directory;
    this.#fs = fs;
  }

  pathFor(runId: string): string {
    if (!ID_PATTERN.test(runId)) throw new Error(`"${runId.slice(0, 80)}" is not a run id`);
    return join(this.directory, `${runId}${LOG_SUFFIX}`);
  }

  /**
   * Appends whole lines; on failure the file is cut back so no half line stays behind, and a log
   * that was empty before (a run whose `run.started` could not be written) is removed, so no run
   * is left that the index does not list.
   */
  async append(runId: string, text: string, sync: boolean): Promise<void> {
    const log = await this.#get(runId);
    try {
      // One write of the bytes (the file is opened for appending): `appendFile` on a handle goes
      // through the whole writeFile path (chunking, signal checks) for every batch.
      const bytes = Buffer.from(text, 'utf8');
      let written = 0;
      while (written < bytes.length) {
        const { bytesWritten } = await log.handle.write(bytes, written, bytes.length - written);
        if (bytesWritten <= 0) throw new Error(`the log of run ${runId} took no bytes of a write`);
        written += bytesWritten;
      }
      if (sync) await log.handle.datasync();
      log.size += bytes.length;
    } catch (error) {
      await log.handle.truncate(log.size).catch(() => undefined);
      log.busy = false;
      await this.close(runId);
      if (log.size === 0) await this.#fs.unlink(this.pathFor(runId)).catch(() => undefined);
      throw error;
    }
    log.busy = false;
  }

  /** The run's open log, marked busy (before anything is awaited, so it is never closed under the append). */
  async #get(runId: string): Promise<OpenLog> {
    const existing = this.#open.get(runId);
    if (existing) {
      existing.busy = true;
      this.#open.delete(runId);
      this.#open.set(runId, existing);
      return existing;
    }
    const handle = await this.#fs.open(this.pathFor(runId), 'a', 0o644);
    const log: OpenLog = { handle, size: 0, busy: true };
    try {
      log.size = (await handle.stat()).size;
      // A new file: make its directory entry durable too, not only its contents.
      if (log.size === 0) await syncDirectory(this.directory, this.#fs);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    this.#open.set(runId, log);
    await this.#closeIdleBeyond(MAX_OPEN);
    return log;
  }

  /** Closes least recently used handles that no append is using until at most `limit` are open. */
  async #closeIdleBeyond(limit: number): Promise<void> {
    let excess = this.#open.size - limit;
    if (excess <= 0) return;
    const idle: string[] = [];
    for (const [runId, log] of this.#open) {
      if (excess === 0) break;
      if (log.busy) continue;
      idle.push(runId);
      excess--;
    }
    await Promise.all(idle.map((runId) => this.close(runId)));
  }

  async close(runId: string): Promise<void> {
    const log = this.#open.get(runId);
    if (!log) return;
    this.#open.delete(runId);
    await log.handle.close().catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#open.keys()].map((runId) => this.close(runId)));
  }
}
