/** The SDK's own default request timeout (10 minutes). */
export const SDK_DEFAULT_TIMEOUT_MS = 600_000;

/**
 * The SDK's `timeout` ends when the response headers arrive; a stream that then stalls would hang
 * forever. The guard aborts a reply when no chunk arrives for the node's timeout: a reply that
 * keeps streaming is never cut, a stalled one is.
 */
export class StallGuard {
  readonly idleMs: number;
  readonly #controller = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  fired = false;

  constructor(idleMs: number) {
    this.idleMs = idleMs;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  arm(): void {
    this.clear();
    this.#timer = setTimeout(() => {
      this.fired = true;
      this.#controller.abort();
    }, this.idleMs);
  }

  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
