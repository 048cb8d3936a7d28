/**
 * One server per data directory: lowdb's atomic rename protects against a crash, not against two
 * processes writing the same files. The lock file holds the owner's pid; a second server refuses
 * to start naming that pid, and a lock left by a process that no longer exists is taken over.
 *
 * Every lock file appears whole: it is written and fsync'd under a temporary name first and then
 * hard-linked into place (`link` fails when the name exists, like `wx`, but nobody ever sees an
 * empty lock and mistakes it for a stale one).
 *
 * Taking over a stale lock is a compare-and-swap made of two atomic steps. The stale file is
 * named by the hash of its bytes; whoever creates the marker `weft.lock.takeover-<hash>-1` (again
 * by `link`) is the one process allowed to replace that exact lock, and does so with a `rename`
 * over it, so there is never a moment without a lock file for a third process to slip into.
 * Everyone else who judged the same lock stale finds the marker held and gets the "another Weft
 * server" error. A taker that dies between marker and rename leaves the marker behind with a dead
 * pid: the next one then takes generation `-2`, and so on. The rename happens only after the
 * taker has re-read the lock and found the same bytes, and only the holder of a marker for those
 * bytes may replace them, so a fresh lock is never overwritten. Markers left over are removed by
 * the winner.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { syncDirectory } from './atomic-write.ts';
import { unlessMissing } from './unless-missing.ts';

export const LOCK_FILE_NAME = 'weft.lock';
const TAKEOVER_PREFIX = `${LOCK_FILE_NAME}.takeover-`;
/** `.weft.lock.<pid>.<token>.tmp`: a lock being written before it is linked into place. */
const TEMPORARY_NAME = /^\.weft\.lock\.(\d+)\.([0-9a-f]+)\.tmp$/;
/** Generations of a takeover marker tried before giving up (each one needs a taker that died). */
const MAX_TAKEOVER_GENERATIONS = 16;

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

/** Lock paths held by this process (two servers in one process, as tests start them, also conflict). */
const heldHere = new Set<string>();
/** Tokens of locks and markers this process holds or is placing: with our own pid, these are alive. */
const tokensHere = new Set<string>();

function isAlive(owner: LockContent): boolean {
  if (owner.pid === process.pid) return tokensHere.has(owner.token);
  try {
    process.kill(owner.pid, 0);
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
  const content: LockContent = { pid: process.pid, startedAt: new Date().toISOString(), token: randomBytes(12).toString('hex') };
  tokensHere.add(content.token);
  const temporary = join(directory, `.${LOCK_FILE_NAME}.${process.pid}.${content.token}.tmp`);
  let won = false;
  try {
    await writeWhole(temporary, `${JSON.stringify(content)}\n`);
    for (let attempt = 0; attempt < 4 && !won; attempt++) {
      if (await linkIfAbsent(temporary, path)) {
        won = true;
        break;
      }
      const current = await unlessMissing(readFile(path));
      if (current === undefined) continue; // released meanwhile: try again
      const owner = parseLock(current);
      if (owner !== undefined && isAlive(owner)) throw new DataDirLockedError(directory, owner.pid);
      log(owner === undefined ? `weft: the lock file ${path} is unreadable; taking it over` : `weft: taking over the lock of pid ${owner.pid}, which no longer runs`);
      const outcome = await takeOver(path, current, temporary);
      if (outcome === 'won') won = true;
      else if (outcome !== 'changed') throw new DataDirLockedError(directory, outcome.pid);
    }
    if (!won) throw new Error(`could not lock the data directory ${directory}: its lock file keeps changing`);
    heldHere.add(path);
  } finally {
    if (!won) tokensHere.delete(content.token);
    await unlink(temporary).catch(() => undefined);
  }
  await removeLeftovers(directory);
  await syncDirectory(directory);
  return lockHandle(path, content);
}

/**
 * Replaces the stale lock `stale` (its exact bytes) with ours, if this process is the one that
 * gets to: 'won', 'changed' (the lock is no longer those bytes: look again), or the pid of the
 * live process that is taking it over.
 */
async function takeOver(path: string, stale: Buffer, temporary: string): Promise<'won' | 'changed' | { pid: number }> {
  const hash = createHash('sha256').update(stale).digest('hex').slice(0, 32);
  for (let generation = 1; generation <= MAX_TAKEOVER_GENERATIONS; generation++) {
    const marker = `${path}.takeover-${hash}-${generation}`;
    if (await linkIfAbsent(temporary, marker)) {
      try {
        const current = await unlessMissing(readFile(path));
        if (current === undefined || !current.equals(stale)) return 'changed';
        await rename(temporary, path);
        return 'won';
      } finally {
        await unlink(marker).catch(() => undefined);
      }
    }
    const holder = parseLock((await unlessMissing(readFile(marker))) ?? Buffer.alloc(0));
    if (holder !== undefined && isAlive(holder)) return { pid: holder.pid };
    // Gone (done, or died mid-takeover) or unreadable: the next generation decides.
  }
  return 'changed';
}

/**
 * Markers are only ever needed while the lock is stale; once ours is in place they are garbage,
 * and so are the temporary lock files of processes that died before removing theirs (those of
 * live ones are left alone: they are about to be refused).
 */
async function removeLeftovers(directory: string): Promise<void> {
  const names = await readdir(directory).catch(() => [] as string[]);
  const leftover = (name: string): boolean => {
    if (name.startsWith(TAKEOVER_PREFIX)) return true;
    const temporary = TEMPORARY_NAME.exec(name);
    return temporary !== null && !isAlive({ pid: Number(temporary[1]), startedAt: '', token: temporary[2]! });
  };
  await Promise.all(names.filter(leftover).map((name) => unlink(join(directory, name)).catch(() => undefined)));
}

async function writeWhole(path: string, text: string): Promise<void> {
  const handle = await open(path, 'wx', 0o644);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** `link` as an atomic create-if-absent of a file that is already whole. */
async function linkIfAbsent(existing: string, name: string): Promise<boolean> {
  try {
    await link(existing, name);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function parseLock(bytes: Buffer): LockContent | undefined {
  const parsed = lockSchema.safeParse(safeJson(bytes.toString('utf8')));
  return parsed.success ? parsed.data : undefined;
}

function lockHandle(path: string, content: LockContent): DataLock {
  const ours = (text: string): boolean => {
    const parsed = lockSchema.safeParse(safeJson(text));
    return parsed.success && parsed.data.token === content.token && parsed.data.pid === content.pid;
  };
  let released = false;
  const forget = (): void => {
    released = true;
    heldHere.delete(path);
  };
  return {
    path,
    async release() {
      if (released) return;
      forget();
      const text = await readFile(path, 'utf8').catch(() => '');
      if (ours(text)) await unlink(path).catch(() => undefined);
      tokensHere.delete(content.token);
    },
    releaseSync() {
      if (released) return;
      forget();
      tokensHere.delete(content.token);
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
