/**
 * One server per data directory: lowdb's atomic rename protects against a crash, not against two
 * processes writing the same files. The lock file holds the owner's pid; a second server refuses
 * to start naming that pid, and a lock left by a process that no longer exists is taken over.
 */
import { readFileSync, unlinkSync } from 'node:fs';
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

export const LOCK_FILE_NAME = 'weft.lock';

const lockSchema = z.object({ pid: z.number().int().positive(), startedAt: z.string(), token: z.string() }).strict();
type LockContent = z.infer<typeof lockSchema>;

export class DataDirLockedError extends Error {
  readonly pid: number;
  constructor(directory: string, pid: number) {
    super(
      `another Weft server (pid ${pid}) is using the data directory ${directory}. ` +
        `Stop it first, or give this server another WEFT_DATA_DIR. (If no such process runs, delete ${join(directory, LOCK_FILE_NAME)}.)`,
    );
    this.name = 'DataDirLockedError';
    this.pid = pid;
  }
}

/** Locks held by this process (two servers in one process, as tests start them, also conflict). */
const heldHere = new Set<string>();

function isAlive(pid: number): boolean {
  if (pid === process.pid) return false; // checked separately through heldHere
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DataLock {
  path: string;
  /** Removes the lock file if it is still ours. */
  release(): Promise<void>;
  /** For exit handlers, where nothing async runs. */
  releaseSync(): void;
}

export async function acquireDataLock(directory: string, log: (line: string) => void = () => undefined): Promise<DataLock> {
  const path = join(directory, LOCK_FILE_NAME);
  if (heldHere.has(path)) throw new DataDirLockedError(directory, process.pid);
  const content: LockContent = { pid: process.pid, startedAt: new Date().toISOString(), token: Math.random().toString(36).slice(2) };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o644);
      try {
        await handle.writeFile(`${JSON.stringify(content)}\n`, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      heldHere.add(path);
      return lockHandle(path, content);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await readOwner(path);
    if (owner !== undefined && (isAlive(owner) || heldHere.has(path))) throw new DataDirLockedError(directory, owner);
    log(owner === undefined ? `weft: the lock file ${path} is unreadable; taking it over` : `weft: taking over the lock of pid ${owner}, which no longer runs`);
    await unlink(path).catch(() => undefined);
  }
  throw new Error(`could not lock the data directory ${directory}`);
}

async function readOwner(path: string): Promise<number | undefined> {
  try {
    const parsed = lockSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return parsed.success ? parsed.data.pid : undefined;
  } catch {
    return undefined;
  }
}

function lockHandle(path: string, content: LockContent): DataLock {
  const ours = (text: string): boolean => {
    const parsed = lockSchema.safeParse(safeJson(text));
    return parsed.success && parsed.data.token === content.token && parsed.data.pid === content.pid;
  };
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      heldHere.delete(path);
      const text = await readFile(path, 'utf8').catch(() => '');
      if (ours(text)) await unlink(path).catch(() => undefined);
    },
    releaseSync() {
      if (released) return;
      released = true;
      heldHere.delete(path);
      try {
        if (ours(readFileSync(path, 'utf8'))) unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
