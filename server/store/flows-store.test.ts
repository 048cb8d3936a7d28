import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serializeFlow } from '../../shared/canonical.ts';
import { echoFlow, reviewFlow } from '../testing/fixture-flows.ts';
import { makeTempDirs, type TempDirs } from '../testing/temp-dirs.ts';
import { FlowsStore, InvalidFlowIdError } from './flows-store.ts';

let dirs: TempDirs;
let store: FlowsStore;
beforeEach(async () => {
  dirs = makeTempDirs();
  store = new FlowsStore(dirs.flowsDir);
  await store.init();
});
afterEach(() => dirs.remove());

describe('FlowsStore', () => {
  it('writes canonically, and saving an unchanged flow rewrites the same bytes', async () => {
    const flow = reviewFlow();
    expect(await store.put(flow)).toMatchObject({ created: true });
    const path = join(dirs.flowsDir, 'review.flow.json');
    const first = readFileSync(path, 'utf8');
    expect(first).toBe(serializeFlow(flow));
    expect(await store.put(flow)).toMatchObject({ created: false });
    expect(readFileSync(path, 'utf8')).toBe(first);
    expect(readdirSync(dirs.flowsDir)).toEqual(['review.flow.json']);
  });

  it('lists valid and invalid files, ignoring flow.schema.json, without crashing on the bad ones', async () => {
    await store.put(reviewFlow());
    writeFileSync(join(dirs.flowsDir, 'broken.flow.json'), '{ "schemaVersion": 1, ');
    writeFileSync(join(dirs.flowsDir, 'renamed.flow.json'), serializeFlow(echoFlow('echo')));
    writeFileSync(join(dirs.flowsDir, 'Bad Name.flow.json'), serializeFlow(echoFlow()));
    writeFileSync(join(dirs.flowsDir, 'flow.schema.json'), '{}');
    const list = await store.list();
    expect(list.map((entry) => [entry.id, entry.valid])).toEqual([
      ['Bad Name', false],
      ['broken', false],
      ['renamed', false],
      ['review', true],
    ]);
    expect(list.find((entry) => entry.id === 'review')).toMatchObject({ name: 'Review a text', nodeCount: 3 });
    const broken = list.find((entry) => entry.id === 'broken');
    expect(broken?.valid === false && broken.problems[0]?.rule).toBe('invalid-json');
    const renamed = list.find((entry) => entry.id === 'renamed');
    expect(renamed?.valid === false && renamed.problems[0]?.message).toMatch(/its id is "echo"/);
  });

  it('reads files changed outside Weft without a restart', async () => {
    await store.put(reviewFlow());
    const changed = { ...reviewFlow(), name: 'Changed by git pull' };
    writeFileSync(join(dirs.flowsDir, 'review.flow.json'), serializeFlow(changed));
    const result = await store.get('review');
    expect(result.status === 'ok' && result.flow.name).toBe('Changed by git pull');
  });

  it('refuses ids that are not ids before they become paths', async () => {
    for (const id of ['../etc', '..', '/etc/passwd', 'a/b', 'a\0b', 'Upper', '', 'x'.repeat(64)]) {
      expect(() => store.pathFor(id)).toThrow(InvalidFlowIdError);
      await expect(store.get(id)).rejects.toThrow(InvalidFlowIdError);
      await expect(store.delete(id)).rejects.toThrow(InvalidFlowIdError);
    }
  });

  it('deletes a flow, and says when there was none', async () => {
    await store.put(reviewFlow());
    expect(await store.delete('review')).toBe(true);
    expect(await store.delete('review')).toBe(false);
    expect(await store.get('review')).toEqual({ status: 'missing' });
  });

  it('leaves the old file whole when a save fails midway, and no temporary file behind', async () => {
    await store.put(reviewFlow());
    const path = join(dirs.flowsDir, 'review.flow.json');
    const before = readFileSync(path, 'utf8');
    const failing = new FlowsStore(dirs.flowsDir, {
      fs: {
        open: (async (file: string, flags: string, mode: number) => {
          const handle = await open(file, flags, mode);
          // Write half the text, then fail as a full disk would.
          handle.writeFile = (async (text: string) => {
            await handle.write(text.slice(0, text.length / 2));
            throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
          }) as never;
          return handle;
        }) as never,
        rename: (await import('node:fs/promises')).rename,
        unlink: (await import('node:fs/promises')).unlink,
      },
    });
    await expect(failing.put({ ...reviewFlow(), name: 'Never saved' })).rejects.toThrow(/ENOSPC/);
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(readdirSync(dirs.flowsDir)).toEqual(['review.flow.json']);
  });

  it('leaves the old file whole when the rename fails', async () => {
    await store.put(reviewFlow());
    const path = join(dirs.flowsDir, 'review.flow.json');
    const before = readFileSync(path, 'utf8');
    const promises = await import('node:fs/promises');
    const failing = new FlowsStore(dirs.flowsDir, {
      fs: { open: promises.open, unlink: promises.unlink, rename: (async () => { throw new Error('EXDEV: rename failed'); }) as never },
    });
    await expect(failing.put({ ...reviewFlow(), name: 'Never saved' })).rejects.toThrow(/rename failed/);
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(readdirSync(dirs.flowsDir)).toEqual(['review.flow.json']);
    expect(existsSync(path)).toBe(true);
  });
});

describe('FlowsStore: the parsed-flow cache', () => {
  function flowOf(result: Awaited<ReturnType<FlowsStore['get']>>) {
    if (result.status !== 'ok') throw new Error(`expected a valid flow, got ${result.status}`);
    return result;
  }

  it('gives the same Flow object (so the engine\'s plan and hash caches hit) while the file is unchanged', async () => {
    await store.put(reviewFlow());
    const first = flowOf(await store.get('review'));
    const second = flowOf(await store.get('review'));
    expect(second.flow).toBe(first.flow);
    expect(second.hash).toBe(first.hash);
    expect((await store.list()).find((entry) => entry.id === 'review')).toMatchObject({ valid: true });
    expect(flowOf(await store.get('review')).flow).toBe(first.flow);
  });

  it('serves the new flow right after a save through the store', async () => {
    await store.put(reviewFlow());
    const before = flowOf(await store.get('review'));
    await store.put({ ...reviewFlow(), name: 'Saved again' });
    const after = flowOf(await store.get('review'));
    expect(after.flow.name).toBe('Saved again');
    expect(after.flow).not.toBe(before.flow);
    expect(after.hash).not.toBe(before.hash);
  });

  it('serves an edit made outside Weft even with the same size and modification time', async () => {
    await store.put({ ...reviewFlow(), name: 'Version AAAA' });
    const path = join(dirs.flowsDir, 'review.flow.json');
    const before = flowOf(await store.get('review'));
    const { mtime, atime } = statSync(path);
    const edited = readFileSync(path, 'utf8').replace('Version AAAA', 'Version BBBB');
    writeFileSync(path, edited);
    utimesSync(path, atime, mtime);
    const after = flowOf(await store.get('review'));
    expect(after.flow.name).toBe('Version BBBB');
    expect(after.flow).not.toBe(before.flow);
  });

  it('forgets a flow that became invalid, was deleted, or was deleted and written again', async () => {
    await store.put(reviewFlow());
    const path = join(dirs.flowsDir, 'review.flow.json');
    const valid = readFileSync(path, 'utf8');
    flowOf(await store.get('review'));
    writeFileSync(path, '{ "schemaVersion": 1, ');
    expect((await store.get('review')).status).toBe('invalid');
    writeFileSync(path, valid);
    expect(flowOf(await store.get('review')).flow.name).toBe(reviewFlow().name);
    expect(await store.delete('review')).toBe(true);
    expect((await store.get('review')).status).toBe('missing');
    writeFileSync(path, serializeFlow({ ...reviewFlow(), name: 'Back again' }));
    expect(flowOf(await store.get('review')).flow.name).toBe('Back again');
  });
});
