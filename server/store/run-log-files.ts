/**
 * The open append handles of run logs (`runs/<runId>.jsonl`). Appending is a write at the end of
 * the run's own file, so it costs the same at event 10 as at event 100,000. A bounded number of
 * handles stay open (least recently used is closed first).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ID_PATTERN } from '../../shared/ids.ts';
import { syncDirectory } from './atomic-write.ts';

export const LOG_SUFFIX = '.jsonl';
const MAX_OPEN = 64;

interface OpenLog {
  handle: FileHandle;
  /** Bytes known to be whole events; a failed append is cut back to this. */
  size: number;
}

export class RunLogFiles {
  readonly directory: string;
  readonly #open = new Map<string, OpenLog>();

  constructor(directory: string) {
    this.directory = directory;
  }

  pathFor(runId: string): string {
    if (!ID_PATTERN.test(runId)) throw new Error(`"${runId.slice(0, 80)}" is not a run id`);
    return join(this.directory, `${runId}${LOG_SUFFIX}`);
  }

  /** Appends whole lines; on failure the file is cut back so no half line stays behind. */
  async append(runId: string, text: string, sync: boolean): Promise<void> {
    const log = await this.#get(runId);
    try {
      await log.handle.appendFile(text, 'utf8');
      if (sync) await log.handle.datasync();
      log.size += Buffer.byteLength(text, 'utf8');
    } catch (error) {
      await log.handle.truncate(log.size).catch(() => undefined);
      await this.close(runId);
      throw error;
    }
  }

  async #get(runId: string): Promise<OpenLog> {
    const existing = this.#open.get(runId);
    if (existing) {
      this.#open.delete(runId);
      this.#open.set(runId, existing);
      return existing;
    }
    const handle = await open(this.pathFor(runId), 'a', 0o644);
    const log = { handle, size: (await handle.stat()).size };
    // A new file: make its directory entry durable too, not only its contents.
    if (log.size === 0) await syncDirectory(this.directory);
    this.#open.set(runId, log);
    while (this.#open.size > MAX_OPEN) {
      const oldest = this.#open.keys().next().value!;
      await this.close(oldest);
    }
    return log;
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
