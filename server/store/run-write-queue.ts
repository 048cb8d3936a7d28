/**
 * The append batching both runs stores share (runs-store.ts, postgres/runs-store-postgres.ts).
 * Each run has its own queue: events of a run appended in the same tick, or while the run's
 * previous write is on its way, become one write; a run's writes happen one after another, in
 * order; different runs are written side by side, a few at a time. The store says how a batch is
 * written (`write`, which reports a failure instead of throwing) and what follows a stored one
 * (`stored`: listeners hear of events only once they are stored). `flush` waits until nothing is
 * queued or being written, the store's own other writes (`enter`/`leave`) included.
 */
import type { RunEvent } from '../../shared/events.ts';

export interface RunWriteQueueOptions<Text> {
  /** Runs written at the same time. */
  parallel: number;
  /** Writes one run's batch; resolves with the failure (never rejects), or undefined once stored. */
  write(runId: string, events: RunEvent[], texts: Text[]): Promise<unknown>;
  /** The batch is stored (before its appends settle). */
  stored(events: RunEvent[]): void;
  /** After each write, stored or not (the store writes its index if it changed meanwhile). */
  afterWrite(): void;
}

/** Events of one run waiting for (or in) one write; their `append` promises settle together. */
interface PendingWrite<Text> {
  events: RunEvent[];
  /** Each event as the store writes it, made when it was appended. */
  texts: Text[];
  done: Promise<void>;
  settle(error?: unknown): void;
}

interface RunQueue<Text> {
  /** Events appended since the last write began. */
  next: PendingWrite<Text> | undefined;
  writing: boolean;
}

export class RunWriteQueue<Text> {
  readonly #options: RunWriteQueueOptions<Text>;
  readonly #queues = new Map<string, RunQueue<Text>>();
  /** Runs with events waiting for a write slot, oldest first. */
  readonly #ready = new Set<string>();
  #writesInFlight = 0;
  #tickScheduled = false;
  /** Writes queued or in flight; `flush` waits for none. */
  #busy = 0;
  #idleWaiters: Array<() => void> = [];

  constructor(options: RunWriteQueueOptions<Text>) {
    this.#options = options;
  }

  /** Queues an event; the promise settles with its write (and never counts as unhandled). */
  add(event: RunEvent, text: Text): Promise<void> {
    let queue = this.#queues.get(event.runId);
    if (!queue) {
      queue = { next: undefined, writing: false };
      this.#queues.set(event.runId, queue);
    }
    if (!queue.next) {
      queue.next = this.#pendingWrite();
      // A run being written goes again when its write ends; any other waits for the next tick.
      if (!queue.writing) {
        this.#ready.add(event.runId);
        this.#scheduleTick();
      }
    }
    queue.next.events.push(event);
    queue.next.texts.push(text);
    return queue.next.done;
  }

  /** Whether anything of the run is queued or being written. */
  has(runId: string): boolean {
    return this.#queues.has(runId);
  }

  /** Another write of the store begins; `flush` waits for its `leave`. */
  enter(): void {
    this.#busy++;
  }

  leave(): void {
    if (--this.#busy > 0) return;
    for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  /** Resolves once nothing is queued or being written (what failed has been reported). */
  async flush(): Promise<void> {
    while (this.#busy > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  #pendingWrite(): PendingWrite<Text> {
    this.enter();
    let settle!: (error?: unknown) => void;
    const done = handled(new Promise<void>((resolve, reject) => (settle = (error) => (error === undefined ? resolve() : reject(error)))));
    return { events: [], texts: [], done, settle };
  }

  /** Waits one macrotask so that every event the engine emits in this tick joins its run's write. */
  #scheduleTick(): void {
    if (this.#tickScheduled) return;
    this.#tickScheduled = true;
    setImmediate(() => {
      this.#tickScheduled = false;
      this.#startWrites();
    });
  }

  #startWrites(): void {
    while (this.#writesInFlight < this.#options.parallel && this.#ready.size > 0) {
      const runId = this.#ready.values().next().value!;
      this.#ready.delete(runId);
      void this.#writeRun(runId);
    }
  }

  async #writeRun(runId: string): Promise<void> {
    const queue = this.#queues.get(runId)!;
    const write = queue.next!;
    queue.next = undefined;
    queue.writing = true;
    this.#writesInFlight++;
    const failure = await this.#options.write(runId, write.events, write.texts).catch((error: unknown) => error ?? new Error('the write failed'));
    if (failure === undefined) this.#options.stored(write.events);
    this.#writesInFlight--;
    queue.writing = false;
    if (queue.next) this.#ready.add(runId);
    else this.#queues.delete(runId);
    write.settle(failure);
    this.#options.afterWrite();
    this.leave();
    this.#startWrites();
  }
}

/** A promise that rejects for whoever awaits it but never counts as unhandled. */
export function handled(promise: Promise<void>): Promise<void> {
  promise.catch(() => undefined);
  return promise;
}
