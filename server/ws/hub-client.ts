/**
 * One WebSocket connection: its subscriptions, replay then live with no gap and no duplicate, and
 * a bounded send queue. Live events that arrive while a run is replayed are held and sent after
 * it, deduplicated by seq; a client whose queue overflows is closed (1013) and recovers by
 * reconnecting with its last seq.
 */
import { WebSocket } from 'ws';
import type { RunEvent } from '../../shared/events.ts';
import { zodIssues } from '../http/parse-request.ts';
import { clientMessageSchema, encode, type ServerMessage } from './messages.ts';

export interface EventSource {
  /** Whether a run with this id exists (stored or starting). */
  exists(runId: string): boolean;
  /** Stored events with seq > after; undefined for an unknown run. */
  events(runId: string, after: number): Promise<RunEvent[] | undefined>;
}

export interface ClientLimits {
  /** Bytes queued for a client before it counts as too slow and is closed. */
  maxQueueBytes: number;
  /** Live events held per replaying subscription before the client is closed. */
  maxHeldEvents: number;
  maxSubscriptions: number;
}

export const SLOW_CLIENT_CLOSE_CODE = 1013;

interface Subscription {
  runId: string;
  /** Highest seq sent. */
  sentSeq: number;
  /** While stored events are being replayed, live ones wait here. */
  held: RunEvent[] | undefined;
}

export class HubClient {
  readonly socket: WebSocket;
  alive = true;
  readonly #source: EventSource;
  readonly #limits: ClientLimits;
  readonly #subscriptions = new Map<string, Subscription>();
  #all = false;
  #closing = false;

  constructor(socket: WebSocket, source: EventSource, limits: ClientLimits) {
    this.socket = socket;
    this.#source = source;
    this.#limits = limits;
  }

  get open(): boolean {
    return !this.#closing && this.socket.readyState === WebSocket.OPEN;
  }

  /** A message from the client: parsed strictly; a bad one gets an error and the connection stays. */
  async receive(data: Buffer, isBinary: boolean): Promise<void> {
    if (isBinary) return this.#send({ type: 'error', message: 'send JSON text messages, not binary ones' });
    let value: unknown;
    try {
      value = JSON.parse(data.toString('utf8'));
    } catch {
      return this.#send({ type: 'error', message: 'the message is not valid JSON' });
    }
    const parsed = clientMessageSchema.safeParse(value);
    if (!parsed.success) {
      const issues = zodIssues(parsed.error, '');
      return this.#send({ type: 'error', message: `not a message this server understands: ${issues.map((issue) => `${issue.path || 'message'}: ${issue.message}`).join('; ')}`, issues });
    }
    const message = parsed.data;
    switch (message.type) {
      case 'ping':
        return this.#send({ type: 'pong' });
      case 'unsubscribe':
        if (message.runId === '*') this.#all = false;
        else this.#subscriptions.delete(message.runId);
        return this.#send({ type: 'unsubscribed', runId: message.runId });
      case 'subscribe':
        if (message.runId === '*') {
          if ((message.after ?? 0) > 0) return this.#send({ type: 'error', runId: '*', message: 'replay ("after") works per run: subscribe to each run id with its last seq; "*" streams live events only' });
          this.#all = true;
          return this.#send({ type: 'subscribed', runId: '*' });
        }
        return this.#subscribe(message.runId, message.after ?? 0);
    }
  }

  async #subscribe(runId: string, after: number): Promise<void> {
    if (!this.#subscriptions.has(runId) && this.#subscriptions.size >= this.#limits.maxSubscriptions) {
      return this.#send({ type: 'error', runId, message: `at most ${this.#limits.maxSubscriptions} run subscriptions per connection` });
    }
    if (!this.#source.exists(runId)) return this.#send({ type: 'error', runId, message: `there is no run "${runId}"` });
    // Registered before reading the log: whatever is stored after the read arrives as live and is held.
    const subscription: Subscription = { runId, sentSeq: after, held: [] };
    this.#subscriptions.set(runId, subscription);
    let stored: RunEvent[] | undefined;
    try {
      stored = await this.#source.events(runId, after);
    } catch {
      stored = undefined;
    }
    if (this.#subscriptions.get(runId) !== subscription) return;
    if (!stored) {
      this.#subscriptions.delete(runId);
      return this.#send({ type: 'error', runId, message: `the events of run "${runId}" cannot be read` });
    }
    for (const event of stored) {
      if (!this.open || this.#subscriptions.get(runId) !== subscription) return;
      if (event.seq <= subscription.sentSeq) continue;
      await this.#sendPaced({ type: 'event', event });
      subscription.sentSeq = event.seq;
    }
    if (!this.open || this.#subscriptions.get(runId) !== subscription) return;
    const held = subscription.held ?? [];
    subscription.held = undefined;
    for (const event of held) this.#deliver(subscription, event);
    this.#send({ type: 'subscribed', runId, lastSeq: subscription.sentSeq });
  }

  /** A stored event, live. */
  publish(event: RunEvent): void {
    const subscription = this.#subscriptions.get(event.runId);
    if (subscription) {
      if (subscription.held) {
        if (subscription.held.length >= this.#limits.maxHeldEvents) return this.closeSlow();
        subscription.held.push(event);
        return;
      }
      this.#deliver(subscription, event);
    } else if (this.#all) {
      this.#send({ type: 'event', event });
    }
  }

  #deliver(subscription: Subscription, event: RunEvent): void {
    if (event.seq <= subscription.sentSeq) return;
    subscription.sentSeq = event.seq;
    this.#send({ type: 'event', event });
  }

  #send(message: ServerMessage): void {
    if (!this.open) return;
    if (this.socket.bufferedAmount > this.#limits.maxQueueBytes) return this.closeSlow();
    this.socket.send(encode(message));
  }

  /** Replay keeps to the client's pace instead of queueing the whole log at once. */
  async #sendPaced(message: ServerMessage): Promise<void> {
    if (!this.open) return;
    const text = encode(message);
    if (this.socket.bufferedAmount + text.length <= this.#limits.maxQueueBytes / 2) {
      this.socket.send(text);
      return;
    }
    await new Promise<void>((resolve) => this.socket.send(text, () => resolve()));
  }

  /** Too slow to keep up: closed, so the server never buffers without bound. */
  closeSlow(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.socket.close(SLOW_CLIENT_CLOSE_CODE, 'too slow: reconnect and subscribe with your last seq');
    setTimeout(() => this.socket.terminate(), 2_000).unref();
  }
}
