/**
 * The data-directory lock under real contention: several processes start at once on a directory
 * whose lock file was left by a process that is gone. Exactly one may take it over.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, linkSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireDataLock, DataDirLockedError, LOCK_FILE_NAME } from './data-lock.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RACER = 'server/store/testing/lock-racer.ts';

let directory: string;
afterEach(() => rmSync(directory, { recursive: true, force: true }));

function freshDirectory(): string {
  directory = mkdtempSync(join(tmpdir(), 'weft-lock-'));
  return directory;
}

/** The pid of a process that has already exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

function writeStaleLock(dir: string, token = 'stale'): string {
  const path = join(dir, LOCK_FILE_NAME);
  writeFileSync(path, `${JSON.stringify({ pid: deadPid(), startedAt: new Date(0).toISOString(), token })}\n`);
  return path;
}

interface Racer {
  child: ChildProcess;
  ready: Promise<void>;
  result: Promise<{ pid: number; won: boolean; name?: string; message?: string }>;
  exited: Promise<void>;
}

function startRacer(dir: string): Racer {
  const child = spawn(process.execPath, ['--import', 'tsx', RACER, dir], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  const lines: Array<(line: string) => void> = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    let end: number;
    while ((end = output.indexOf('\n')) >= 0) {
      const line = output.slice(0, end);
      output = output.slice(end + 1);
      lines.shift()?.(line);
    }
  });
  const nextLine = (): Promise<string> => new Promise((resolve) => lines.push(resolve));
  const ready = nextLine().then(() => undefined);
  const result = ready.then(nextLine).then((line) => JSON.parse(line));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, ready, result, exited };
}

describe('acquireDataLock', () => {
  it('lets exactly one of several processes racing on a stale lock take it over', { timeout: 60_000 }, async () => {
    const dir = freshDirectory();
    const path = writeStaleLock(dir);
    const racers = Array.from({ length: 6 }, () => startRacer(dir));
    try {
      await Promise.all(racers.map((racer) => racer.ready));
      for (const racer of racers) racer.child.stdin!.write('go\n');
      const results = await Promise.all(racers.map((racer) => racer.result));
      const winners = results.filter((result) => result.won);
      expect(winners.map((winner) => winner.pid)).toHaveLength(1);
      expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(winners[0]!.pid);
      for (const loser of results.filter((result) => !result.won)) {
        expect(loser.name).toBe('DataDirLockedError');
        expect(loser.message).toContain(`is using the data directory ${dir}`);
      }
    } finally {
      for (const racer of racers) racer.child.stdin!.end();
      await Promise.all(racers.map((racer) => racer.exited));
    }
    // The winner released its lock on exit; nothing of the race is left behind.
    expect(readdirSync(dir)).toEqual([]);
  });

  it('never mistakes a lock being created for an unreadable one', async () => {
    const dir = freshDirectory();
    const attempts = await Promise.allSettled(Array.from({ length: 8 }, () => acquireDataLock(dir)));
    expect(attempts.filter((attempt) => attempt.status === 'fulfilled')).toHaveLength(1);
    for (const attempt of attempts) if (attempt.status === 'rejected') expect(attempt.reason).toBeInstanceOf(DataDirLockedError);
    for (const attempt of attempts) if (attempt.status === 'fulfilled') await attempt.value.release();
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
  });

  it('takes over after a taker died between claiming the stale lock and replacing it, and clears what the dead left', async () => {
    const dir = freshDirectory();
    const path = writeStaleLock(dir);
    // What a crashed taker leaves: its first-generation marker, held by a dead pid, and the stale lock.
    const crashedTaker = join(dir, 'crashed-taker');
    writeFileSync(crashedTaker, JSON.stringify({ pid: deadPid(), startedAt: new Date(0).toISOString(), token: 'taker' }));
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 32);
    linkSync(crashedTaker, `${path}.takeover-${hash}-1`);
    rmSync(crashedTaker);
    // And a lock file another crashed process was writing when it died.
    writeFileSync(join(dir, `.${LOCK_FILE_NAME}.${deadPid()}.0badc0de.tmp`), '{"pid":');
    const lock = await acquireDataLock(dir);
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    expect(readdirSync(dir)).toEqual([LOCK_FILE_NAME]);
    await lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses while a live process is taking the stale lock over', async () => {
    const dir = freshDirectory();
    const path = writeStaleLock(dir);
    const hash = (await import('node:crypto')).createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 32);
    writeFileSync(`${path}.takeover-${hash}-1`, JSON.stringify({ pid: process.ppid, startedAt: new Date(0).toISOString(), token: 'taker' }));
    await expect(acquireDataLock(dir)).rejects.toThrow(new RegExp(`another Weft server \\(pid ${process.ppid}\\) is using the data directory`));
    expect(JSON.parse(readFileSync(path, 'utf8')).token).toBe('stale');
  });
});
