/**
 * A token bucket: up to `burst` at once, then `perSecond` on average. Each connection has its own
 * buckets for the messages it sends (hub-client.ts).
 */
export interface Rate {
  /** Taken at once from a full bucket. */
  burst: number;
  /** Refilled per second, up to `burst`. */
  perSecond: number;
}

export class TokenBucket {
  readonly rate: Rate;
  readonly #now: () => number;
  #tokens: number;
  #at: number;

  /** `now` in milliseconds; monotonic by default. */
  constructor(rate: Rate, now: () => number = () => performance.now()) {
    this.rate = rate;
    this.#now = now;
    this.#tokens = rate.burst;
    this.#at = now();
  }

  /** Takes one token if there is one. */
  take(): boolean {
    const now = this.#now();
    this.#tokens = Math.min(this.rate.burst, this.#tokens + ((now - this.#at) / 1000) * this.rate.perSecond);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
