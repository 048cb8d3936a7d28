/**
 * A lowdb adapter that saves the way flows are saved (atomic-write.ts): temporary file, fsync,
 * rename, fsync of the directory. lowdb's own `DataFile` (steno) renames without any fsync, so a
 * power cut soon after a write could leave the file empty or old although the write had resolved;
 * it also reuses one fixed temporary name and leaves it behind when a write fails.
 */
import { readFile } from 'node:fs/promises';
import type { Adapter } from 'lowdb';
import { writeFileAtomic, type AtomicWriteFs } from './atomic-write.ts';

export interface DurableJsonFileOptions<T> {
  parse: (text: string) => T;
  stringify: (data: T) => string;
  /** The file operations of the write; tests observe or break them. */
  fs?: AtomicWriteFs;
}

export class DurableJsonFile<T> implements Adapter<T> {
  readonly path: string;
  readonly #options: DurableJsonFileOptions<T>;

  constructor(path: string, options: DurableJsonFileOptions<T>) {
    this.path = path;
    this.#options = options;
  }

  /** null when there is no file yet (lowdb then keeps its default data). */
  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return this.#options.parse(text);
  }

  /** Resolves once the new file is on disk under its name; on failure the old file is untouched. */
  write(data: T): Promise<void> {
    return this.writeContent(this.#options.stringify(data));
  }

  /** `write` of content the caller made (e.g. in slices, run-index.ts), with the same guarantees. */
  writeContent(content: string | Uint8Array | readonly Uint8Array[]): Promise<void> {
    return writeFileAtomic(this.path, content, this.#options.fs);
  }
}
