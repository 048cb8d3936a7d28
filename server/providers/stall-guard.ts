/** The SDK's own default request timeout (10 minutes). */
export const SDK_DEFAULT_TIMEOUT_MS = 600_000;

/**
 * The SDK's `timeout` ends when the response headers arrive; a stream that then stalls would hang
 * forever. The guard calls `onStall` (which aborts the reply) when no chunk arrives for the node's
 * timeout: a reply that keeps streaming is never cut, a stalled one is. Only the wait for the
 * provider counts as idle, not the time the consumer takes with a chunk.
 *
 * One timer per reply, set once and re-set only when it comes due early: no timer, controller or
 * signal per chunk (a per-chunk setTimeout/clearTimeout and an AbortSignal.any per request cost
 * more CPU than the rest of a short reply's handling).
 */
export class StallGuard {
  readonly idleMs: number;
  fired = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** performance.now() when the wait for the next chunk began; -1 while the consumer has a chunk. */
  #waitingSince = -1;
  #onStall: () => void = () => undefined;

  constructor(idleMs: number) {
    this.idleMs = idleMs;
  }

  /** Starts waiting for the first chunk. */
  start(onStall: () => void): void {
    this.#onStall = onStall;
    this.waiting();
  }

  /** The consumer is done with a chunk: the wait for the next one begins. */
  waiting(): void {
    this.#waitingSince = performance.now();
    if (this.#timer === undefined) this.#schedule(this.idleMs);
  }

  /** A chunk arrived. */
  received(): void {
    this.#waitingSince = -1;
  }

  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#waitingSince = -1;
  }

  #schedule(ms: number): void {
    this.#timer = setTimeout(this.#check, ms);
  }

  readonly #check = (): void => {
    this.#timer = undefined;
    // The consumer has a chunk: the next waiting() sets the timer again.
    if (this.#waitingSince < 0) return;
    const idle = performance.now() - this.#waitingSince;
    // Timers may fire a fraction of a millisecond early.
    if (idle >= this.idleMs - 1) {
      this.fired = true;
      this.#onStall();
    } else this.#schedule(this.idleMs - idle);
  };
}
