/**
 * A data directory whose disk can be filled and freed during a test. Where the test may mount
 * file systems (root, as in this project's CI) it is a real 1 MiB tmpfs filled with a filler
 * file, so every write meets a real ENOSPC; elsewhere the runs store gets file operations that
 * fail with ENOSPC while the disk is "full" (`failingFs`), and the store's own code runs as is.
 */
import { spawnSync } from 'node:child_process';
import { constants, mkdtempSync, openSync, closeSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AtomicWriteFs } from '../atomic-write.ts';

export interface FailingDisk {
  /** A real tmpfs, or file operations made to fail. */
  kind: 'tmpfs' | 'injected';
  dataDir: string;
  /** Pass to the runs store (undefined for a tmpfs: the real file system fails by itself). */
  fs: AtomicWriteFs | undefined;
  fill(): void;
  free(): void;
  remove(): void;
}

function noSpace(syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOSPC: no space left on device, ${syscall}`), { code: 'ENOSPC', errno: -28, syscall });
}

const WRITING_METHODS = new Set(['appendFile', 'writeFile', 'write', 'writev', 'datasync', 'sync']);

/** File operations that fail like a full disk while `isFull()`: opening for writing, writing, flushing. */
export function failingFs(isFull: () => boolean): AtomicWriteFs {
  const wrap = (handle: FileHandle): FileHandle =>
    new Proxy(handle, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver);
        if (typeof value !== 'function') return value;
        if (typeof name === 'string' && WRITING_METHODS.has(name)) {
          return (...args: unknown[]) => (isFull() ? Promise.reject(noSpace(name)) : value.apply(target, args));
        }
        return value.bind(target);
      },
    });
  return {
    open: (async (path: Parameters<typeof open>[0], flags?: string | number, mode?: number) => {
      const writing = typeof flags === 'string' ? /[wa+]/.test(flags) : typeof flags === 'number' && (flags & (constants.O_WRONLY | constants.O_RDWR)) !== 0;
      if (isFull() && writing) throw noSpace('open');
      return wrap(await open(path, flags, mode));
    }) as typeof open,
    rename,
    unlink,
  };
}

function tryTmpfs(root: string): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  return spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', root], { stdio: 'ignore' }).status === 0;
}

/** A real tmpfs where mounting is allowed (unless `injected` is asked for), injected failures otherwise. */
export function makeFailingDisk(options: { injected?: boolean } = {}): FailingDisk {
  const root = mkdtempSync(join(tmpdir(), 'weft-disk-'));
  if (!options.injected && tryTmpfs(root)) {
    const filler = join(root, 'filler');
    return {
      kind: 'tmpfs',
      dataDir: root,
      fs: undefined,
      fill() {
        const descriptor = openSync(filler, 'w');
        const block = Buffer.alloc(4096, 1);
        try {
          for (;;) writeSync(descriptor, block);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
        } finally {
          closeSync(descriptor);
        }
      },
      free: () => unlinkSync(filler),
      remove() {
        spawnSync('umount', ['-l', root], { stdio: 'ignore' });
        rmSync(root, { recursive: true, force: true });
      },
    };
  }
  let full = false;
  const dataDir = join(root, 'data');
  return {
    kind: 'injected',
    dataDir,
    fs: failingFs(() => full),
    fill: () => (full = true),
    free: () => (full = false),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
