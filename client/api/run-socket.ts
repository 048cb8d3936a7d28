/**
 * The WebSocket client for `/ws`: subscribes to runs, parses every message with the shared zod
 * schema, and after a dropped connection reconnects with backoff and resubscribes from the last
 * seq it saw, so nothing is missed and nothing is seen twice.
 *
 * A run followed on its own gets its events in seq order only: the `*` stream can carry the
 * run's live events ahead of its replay, and those are dropped, since the run's own stream
 * (replay, then live) delivers every one of them in order.
 */
import type { RunEvent } from '../../shared/events.ts';
import { ALL_RUNS, serverMessageSchema, type ClientMessage } from '../../shared/wire/socket-messages.ts';

export { ALL_RUNS };

/** The part of the browser WebSocket this client uses (a fake one in tests). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type SocketStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface RunSocketOptions {
  url: string;
  onEvent: (event: RunEvent) => void;
  onStatus?: (status: SocketStatus) => void;
  onProblem?: (message: string) => void;
  createSocket?: (url: string) => SocketLike;
  initialDelayMs?: number;
  maxDelayMs?: number;
  setTimer?: (callback: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

const OPEN = 1;

export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** attempt);
  return Math.round(base / 2 + (random() * base) / 2);
}

export class RunSocket {
  readonly #options: Required<Pick<RunSocketOptions, 'initialDelayMs' | 'maxDelayMs'>> & RunSocketOptions;
  /** runId -> last seq seen (for `*`, the count is meaningless and stays 0). */
  readonly #subscriptions = new Map<string, number>();
  #socket: SocketLike | undefined;
  #attempt = 0;
  #timer: unknown;
  #closed = false;
  /** Runs whose subscribe the server refused (e.g. rate limited): how many retries so far. */
  readonly #retries = new Map<string, number>();

  constructor(options: RunSocketOptions) {
    this.#options = { initialDelayMs: 500, maxDelayMs: 8000, ...options };
    this.#connect();
  }

  /** Subscribes to a run's events after `after` (its last seq seen), now and after every reconnect. */
  subscribe(runId: string, after = 0): void {
    this.#subscriptions.set(runId, Math.max(after, this.#subscriptions.get(runId) ?? 0));
    this.#send(runId);
  }

  /** Stops a run's events (any still in flight are dropped). */
  unsubscribe(runId: string): void {
    if (!this.#subscriptions.delete(runId)) return;
    if (this.#socket?.readyState === OPEN) this.#socket.send(JSON.stringify({ type: 'unsubscribe', runId } satisfies ClientMessage));
  }

  lastSeq(runId: string): number | undefined {
    return this.#subscriptions.get(runId);
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) (this.#options.clearTimer ?? clearTimeout)(this.#timer as ReturnType<typeof setTimeout>);
    this.#socket?.close();
    this.#options.onStatus?.('closed');
  }

  #send(runId: string): void {
    if (this.#socket?.readyState !== OPEN) return;
    // "*" streams live events only; replay from a seq is per run.
    const message: ClientMessage = runId === ALL_RUNS ? { type: 'subscribe', runId } : { type: 'subscribe', runId, after: this.#subscriptions.get(runId) ?? 0 };
    this.#socket.send(JSON.stringify(message));
  }

  #connect(): void {
    if (this.#closed) return;
    this.#options.onStatus?.(this.#attempt === 0 ? 'connecting' : 'reconnecting');
    const create = this.#options.createSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
    let socket: SocketLike;
    try {
      socket = create(this.#options.url);
    } catch {
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    socket.onopen = () => {
      this.#attempt = 0;
      this.#options.onStatus?.('open');
      // Each followed run first, then "*": its replay starts before "*" can run ahead of it.
      for (const runId of this.#subscriptions.keys()) if (runId !== ALL_RUNS) this.#send(runId);
      if (this.#subscriptions.has(ALL_RUNS)) this.#send(ALL_RUNS);
    };
    socket.onmessage = (message) => this.#receive(message.data);
    socket.onerror = () => undefined;
    socket.onclose = () => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#scheduleReconnect();
    };
  }

  /** Sends a refused subscribe again, after 1, 2, 4 ... up to 30 s, while the run is followed. */
  #retrySubscribe(runId: string): void {
    const attempt = this.#retries.get(runId) ?? 0;
    this.#retries.set(runId, attempt + 1);
    (this.#options.setTimer ?? setTimeout)(() => {
      if (this.#subscriptions.has(runId)) this.#send(runId);
    }, Math.min(30_000, 1_000 * 2 ** attempt));
  }

  #scheduleReconnect(): void {
    if (this.#closed) return;
    this.#options.onStatus?.('reconnecting');
    const delay = backoffDelay(this.#attempt++, this.#options.initialDelayMs, this.#options.maxDelayMs);
    this.#timer = (this.#options.setTimer ?? setTimeout)(() => {
      this.#timer = undefined;
      this.#connect();
    }, delay);
  }

  #receive(data: unknown): void {
    let json: unknown;
    try {
      json = JSON.parse(typeof data === 'string' ? data : String(data));
    } catch {
      this.#options.onProblem?.('the server sent a WebSocket message that is not JSON');
      return;
    }
    const parsed = serverMessageSchema.safeParse(json);
    if (!parsed.success) {
      this.#options.onProblem?.(`the server sent an unexpected WebSocket message: ${parsed.error.issues[0]?.message ?? 'bad shape'}`);
      return;
    }
    const message = parsed.data;
    if (message.type === 'error') {
      if (message.runId !== undefined && this.#subscriptions.has(message.runId)) this.#retrySubscribe(message.runId);
      this.#options.onProblem?.(message.message);
      return;
    }
    if (message.type === 'subscribed') {
      this.#retries.delete(message.runId);
      return;
    }
    if (message.type !== 'event') return;
    const { event } = message;
    const tracked = this.#subscriptions.get(event.runId);
    if (tracked !== undefined) {
      // Only the next one: a later seq came early through "*" and will come again in order.
      if (event.seq !== tracked + 1) return;
      this.#subscriptions.set(event.runId, event.seq);
    } else if (!this.#subscriptions.has(ALL_RUNS)) {
      return;
    }
    this.#options.onEvent(event);
  }
}

/** `/ws` on the page's own host, ws: or wss: to match. */
export function socketUrl(location: Pick<Location, 'protocol' | 'host'> = window.location): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}
