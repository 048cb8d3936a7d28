/**
 * Writes a file so that a crash or a failed write never leaves it half written: the text goes to a
 * temporary file in the same directory, is flushed to disk, and then renamed over the target (a
 * rename within one directory is atomic). When anything fails, the old file is untouched and the
 * temporary file is removed.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The file operations the write uses; tests swap one out to make the write fail. */
export interface AtomicWriteFs {
  open: typeof open;
  rename: typeof rename;
  unlink: typeof unlink;
}

const defaultFs: AtomicWriteFs = { open, rename, unlink };

export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** `content` is written as is: a string as UTF-8, bytes unchanged, a list of byte chunks one after the other. */
export async function writeFileAtomic(path: string, content: string | Uint8Array | readonly Uint8Array[], fs: AtomicWriteFs = defaultFs): Promise<void> {
  const temporary = temporaryPathFor(path);
  try {
    const handle = await fs.open(temporary, 'wx', 0o644);
    try {
      // FileHandle.writeFile takes an iterable of chunks too (written one after the other, each
      // whole, Node >= 15.14); @types/node names only string | Uint8Array.
      await handle.writeFile(content as string | Uint8Array);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temporary, path);
  } catch (error) {
    await fs.unlink(temporary).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dirname(path), fs);
}

/** Makes a rename durable on file systems that need the directory flushed too; best effort. */
export async function syncDirectory(directory: string, fs: Pick<AtomicWriteFs, 'open'> = defaultFs): Promise<void> {
  try {
    const handle = await fs.open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some platforms (Windows) cannot open a directory; the rename is still atomic there.
  }
}
