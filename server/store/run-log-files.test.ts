import { constants } from 'node:fs';
import { mkdtemp, open, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunLogFiles } from './run-log-files.ts';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'weft-run-log-files-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('run log files', () => {
  it('keeps the logs of a few hundred unfinished runs open: appending again opens nothing', async () => {
    const opened: string[] = [];
    const files = new RunLogFiles(directory, {
      sync: false,
      fs: {
        open: ((path: string, ...rest: unknown[]) => {
          opened.push(path);
          return (open as (...args: unknown[]) => ReturnType<typeof open>)(path, ...rest);
        }) as typeof open,
        unlink,
      },
    });
    const runIds = Array.from({ length: 300 }, (_, index) => `run-${index}`);
    for (const runId of runIds) await files.append(runId, `{"seq":1}\n`);
    for (const runId of runIds) await files.append(runId, `{"seq":2}\n`);
    // Each log once for its own file, plus the directory sync of each new file.
    expect(opened.filter((path) => path.endsWith('.jsonl'))).toHaveLength(runIds.length);
    expect(await readFile(files.pathFor('run-0'), 'utf8')).toBe('{"seq":1}\n{"seq":2}\n');
    await files.closeAll();
  });
});

describe('durable run logs', () => {
  /** The flags of every run log the files opened (the open call's own flags, and what the kernel holds). */
  async function openedFlags(sync: boolean | undefined): Promise<{ asked: unknown; held: number | undefined }> {
    let handle: Awaited<ReturnType<typeof open>> | undefined;
    let asked: unknown;
    const files = new RunLogFiles(directory, {
      ...(sync === undefined ? {} : { sync }),
      fs: {
        open: (async (path: string, flags: unknown, mode?: number) => {
          const opened = await (open as (...args: unknown[]) => ReturnType<typeof open>)(path, flags, mode);
          if (path.endsWith('.jsonl')) {
            handle = opened;
            asked = flags;
          }
          return opened;
        }) as typeof open,
        unlink,
      },
    });
    await files.append('run-1', '{"seq":1}\n');
    // Linux shows an open descriptor's flags (octal) in /proc; elsewhere only the open call's flags are checked.
    let held: number | undefined;
    try {
      const match = /flags:\s+([0-7]+)/.exec(await readFile(`/proc/self/fdinfo/${handle!.fd}`, 'utf8'));
      held = match ? parseInt(match[1]!, 8) : undefined;
    } catch {
      held = undefined;
    }
    await files.closeAll();
    return { asked, held };
  }

  it('opens each log with O_DSYNC by default, so an append resolves only once it is on disk', async () => {
    const { asked, held } = await openedFlags(undefined);
    expect(typeof asked).toBe('number');
    expect((asked as number) & constants.O_DSYNC).toBe(constants.O_DSYNC);
    expect((asked as number) & constants.O_APPEND).toBe(constants.O_APPEND);
    if (held !== undefined) expect(held & constants.O_DSYNC).toBe(constants.O_DSYNC);
  });

  it('opens logs without O_DSYNC only when the store is told not to sync', async () => {
    const { asked, held } = await openedFlags(false);
    expect((asked as number) & constants.O_DSYNC).toBe(0);
    if (held !== undefined) expect(held & constants.O_DSYNC).toBe(0);
  });
});
