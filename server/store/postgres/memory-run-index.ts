/**
 * The run index of database mode as the run manager sees it: memory, read from the runs table
 * when the store opens and written back by `PostgresRunsStore.indexChanged` (only the entries
 * changed since the last write). Like the file store's index, what this process changes is seen
 * at once, and what it writes survives a restart. Rows other servers write are `learn`ed
 * (run-fanout.ts): kept in memory and never written back, and never over an entry this process
 * has changed and not yet written (its own is newer).
 */
import type { RunIndexEntry } from '../run-index.ts';
import { RunOrder } from '../run-order.ts';
import type { RunIndexView } from '../runs-storage.ts';

export class MemoryRunIndex implements RunIndexView {
  readonly #entries = new Map<string, RunIndexEntry>();
  /** Run ids put or removed since the last `takeChanges`. */
  readonly #changed = new Set<string>();
  /** Run ids taken by the write on its way (`takeChanges` until `written` or `markChanged`). */
  readonly #writing = new Set<string>();
  readonly order: RunOrder;

  constructor(entries: Iterable<RunIndexEntry> = []) {
    for (const entry of entries) this.#entries.set(entry.runId, entry);
    this.order = new RunOrder(this.#entries.values());
  }

  get(runId: string): RunIndexEntry | undefined {
    return this.#entries.get(runId);
  }

  list(): RunIndexEntry[] {
    return this.order.entries.slice().reverse();
  }

  put(entry: RunIndexEntry): void {
    this.#set(entry);
    this.#changed.add(entry.runId);
  }

  remove(runId: string): void {
    if (!this.#delete(runId)) return;
    this.#changed.add(runId);
  }

  #set(entry: RunIndexEntry): void {
    this.order.set(entry, this.#entries.get(entry.runId));
    this.#entries.set(entry.runId, entry);
  }

  #delete(runId: string): boolean {
    const previous = this.#entries.get(runId);
    if (!previous) return false;
    this.order.delete(previous);
    this.#entries.delete(runId);
    return true;
  }

  get dirty(): boolean {
    return this.#changed.size > 0;
  }

  /** What changed since the last call: entries to write and ids to delete. */
  takeChanges(): { put: RunIndexEntry[]; removed: string[] } {
    const put: RunIndexEntry[] = [];
    const removed: string[] = [];
    for (const runId of this.#changed) {
      const entry = this.#entries.get(runId);
      if (entry) put.push(entry);
      else removed.push(runId);
    }
    for (const runId of this.#changed) this.#writing.add(runId);
    this.#changed.clear();
    return { put, removed };
  }

  /** The write of what `takeChanges` gave is committed. */
  written(ids: Iterable<string>): void {
    for (const runId of ids) this.#writing.delete(runId);
  }

  /** A write of `ids` failed: they are written with the next one. */
  markChanged(ids: Iterable<string>): void {
    for (const runId of ids) {
      this.#writing.delete(runId);
      this.#changed.add(runId);
    }
  }

  /** An entry as another server wrote it; ignored while this process has a change of its own to write. */
  learn(entry: RunIndexEntry): void {
    if (this.#ownChange(entry.runId)) return;
    this.#set(entry);
  }

  /** Another server removed the run (or never wrote it); ignored like `learn`. */
  forget(runId: string): void {
    if (this.#ownChange(runId)) return;
    this.#delete(runId);
  }

  #ownChange(runId: string): boolean {
    return this.#changed.has(runId) || this.#writing.has(runId);
  }
}
