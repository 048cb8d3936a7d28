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
      open: ((path: string, ...rest: unknown[]) => {
        opened.push(path);
        return (open as (...args: unknown[]) => ReturnType<typeof open>)(path, ...rest);
      }) as typeof open,
      unlink,
    });
    const runIds = Array.from({ length: 300 }, (_, index) => `run-${index}`);
    for (const runId of runIds) await files.append(runId, `{"seq":1}\n`, false);
    for (const runId of runIds) await files.append(runId, `{"seq":2}\n`, false);
    // Each log once for its own file, plus the directory sync of each new file.
    expect(opened.filter((path) => path.endsWith('.jsonl'))).toHaveLength(runIds.length);
    expect(await readFile(files.pathFor('run-0'), 'utf8')).toBe('{"seq":1}\n{"seq":2}\n');
    await files.closeAll();
  });
});
