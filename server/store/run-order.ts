/**
 * The run index's entries kept in order (by start, then run id: `compareNewestFirst` reversed) as
 * they change, with each run's number of child runs, so that a page of the history costs the page,
 * not a sort of every run kept (bench/persistence.ts, "history page"). Both run indexes (files:
 * run-index.ts, database: postgres/memory-run-index.ts) hold one.
 *
 * They are kept oldest first, so that a new run, almost always the newest, is a binary search and
 * a push at the end; a status change replaces the entry where it is. Readers walk from the end.
 */
import type { RunIndexEntry } from './run-index.ts';

/** The reverse of `compareNewestFirst` (oldest first, then by run id), 0 for the same run. */
function order(a: RunIndexEntry, b: RunIndexEntry): number {
  if (a.startedAt !== b.startedAt) return a.startedAt < b.startedAt ? -1 : 1;
  return a.runId === b.runId ? 0 : a.runId < b.runId ? -1 : 1;
}

export class RunOrder {
  /** Oldest first. */
  readonly #sorted: RunIndexEntry[];
  /** Parent run id -> how many of its child runs are kept. */
  readonly #children = new Map<string, number>();
  #childRuns = 0;

  constructor(entries: Iterable<RunIndexEntry> = []) {
    this.#sorted = [...entries].sort(order);
    for (const entry of this.#sorted) this.#countChild(entry, 1);
  }

  /** Oldest first (the newest is last); read it, do not keep it across a change. */
  get entries(): readonly RunIndexEntry[] {
    return this.#sorted;
  }

  /** Child runs kept of this run. */
  childCount(runId: string): number {
    return this.#children.get(runId) ?? 0;
  }

  /** Child runs kept in all. */
  get childRuns(): number {
    return this.#childRuns;
  }

  /** How many entries are older than this start and run id (a page's cursor): the last of them is at that minus one. */
  countOlder(startedAt: string, runId: string): number {
    let low = 0;
    let high = this.#sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const entry = this.#sorted[middle]!;
      const older = entry.startedAt !== startedAt ? entry.startedAt < startedAt : entry.runId < runId;
      if (older) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** `previous`: the entry this one replaces (same run id), if any. */
  set(entry: RunIndexEntry, previous: RunIndexEntry | undefined): void {
    if (previous) {
      const at = this.#find(previous);
      if (previous.startedAt === entry.startedAt && at >= 0) {
        this.#sorted[at] = entry;
        this.#countChild(previous, -1);
        this.#countChild(entry, 1);
        return;
      }
      this.delete(previous);
    }
    const at = this.#insertionPoint(entry);
    if (at === this.#sorted.length) this.#sorted.push(entry);
    else this.#sorted.splice(at, 0, entry);
    this.#countChild(entry, 1);
  }

  delete(entry: RunIndexEntry): void {
    const at = this.#find(entry);
    if (at < 0) return;
    this.#sorted.splice(at, 1);
    this.#countChild(entry, -1);
  }

  #countChild(entry: RunIndexEntry, change: 1 | -1): void {
    if (entry.parentRunId === undefined) return;
    const count = (this.#children.get(entry.parentRunId) ?? 0) + change;
    if (count > 0) this.#children.set(entry.parentRunId, count);
    else this.#children.delete(entry.parentRunId);
    this.#childRuns += change;
  }

  /** The first position whose entry is not older than `entry`. */
  #insertionPoint(entry: RunIndexEntry): number {
    let low = 0;
    let high = this.#sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (order(this.#sorted[middle]!, entry) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Where the entry with this run id and start is, or -1. */
  #find(entry: RunIndexEntry): number {
    const at = this.#insertionPoint(entry);
    return this.#sorted[at]?.runId === entry.runId ? at : -1;
  }
}
