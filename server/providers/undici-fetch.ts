/**
 * undici's own `fetch` (the npm package; Node 20 ships undici inside but does not expose its
 * `Agent`) over one keep-alive `Agent`: the library alternative to node-http-fetch.ts, chosen with
 * `WEFT_MODEL_FETCH=undici`, and the baseline bench/model-fetch.ts measures that file against.
 *
 * Connection failures reject with `TypeError('fetch failed', {cause})`, an abort with an
 * `AbortError`, a connection lost mid-body errors the body with `TypeError('terminated')`: the
 * shapes the SDK and provider-errors.ts expect, since they are undici's.
 */
import { Agent, fetch as undiciFetch } from 'undici';

export interface UndiciFetchOptions {
  /** Idle pooled connections close after this long (or the server's own keep-alive hint). */
  idleSocketMs?: number;
}

export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export function createUndiciFetch(options: UndiciFetchOptions = {}): FetchFunction {
  const dispatcher = new Agent({ keepAliveTimeout: options.idleSocketMs ?? 4_000, keepAliveMaxTimeout: 60_000 });
  // undici's RequestInit and Response are the standard ones with a `dispatcher` added.
  return (input, init) => undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as object), dispatcher }) as unknown as Promise<Response>;
}
