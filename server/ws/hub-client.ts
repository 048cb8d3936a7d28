/**
 * One WebSocket connection: its subscriptions, replay then live with no gap and no duplicate, and
 * a bounded send queue. Live events that arrive while a run is replayed are held and sent after
 * it, deduplicated by seq; a client whose queue overflows is closed (1013) and recovers by
 * reconnecting with its last seq.
 *
 * What a client sends is rate limited per connection (token buckets): every message, and on top
 * of that every subscribe, since each one reads and replays a run's log. A message over the limit
 * is not handled and is answered with an `error` message; a client that keeps sending over the
 * limit is closed as a policy violation (1008).
 *
 * Every event still goes out as its own `{type:"event"}` text frame (the subscribe/event protocol of server/ws/hub.ts), but
 * the frames come ready-made (event-frames.ts: encoded once for every client) and everything this
 * client gets from one store batch, or from one stretch of a replay, is written to its connection
 * in one write.
 */
import type { Writable } from 'node:stream';
import { WebSocket } from 'ws';
import type { RunEvent } from '../../shared/events.ts';
import { zodIssues } from '../http/parse-request.ts';
import { eventFrame, eventPayload, textFrame, type EventSending, type FrameBatch } from './event-frames.ts';
import { clientMessageSchema, type ServerMessage } from '../../shared/wire/socket-messages.ts';
import { encode } from './messages.ts';
import { TokenBucket, type Rate } from './token-bucket.ts';

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
  /** Every message a client sends. */
  messageRate: Rate;
  /** Subscribes (each one reads a run's log), on top of `messageRate`. */
  subscribeRate: Rate;
  /** Messages over a limit tolerated before the connection is closed (1008). */
  overLimitRate: Rate;
}

export const SLOW_CLIENT_CLOSE_CODE = 1013;
/** RFC 6455 "policy violation": sent to a client that keeps sending past its rate limit. */
export const FLOOD_CLOSE_CODE = 1008;

/** The connection the WebSocket runs on (the upgraded socket), which frames are written to. */
export type Connection = Pick<Writable, 'write'>;

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
  readonly #connection: Connection;
  readonly #subscriptions = new Map<string, Subscription>();
  #all = false;
  #closing = false;
  readonly #messages: TokenBucket;
  readonly #subscribes: TokenBucket;
  readonly #overLimit: TokenBucket;
  readonly #sending: EventSending;

  /** `connection` is the socket `socket` was upgraded on: frames written to it reach the client. */
  constructor(socket: WebSocket, connection: Connection, source: EventSource, limits: ClientLimits, sending: EventSending = 'frames', now?: () => number) {
    this.socket = socket;
    this.#sending = sending;
    this.#connection = connection;
    this.#source = source;
    this.#limits = limits;
    this.#messages = new TokenBucket(limits.messageRate, now);
    this.#subscribes = new TokenBucket(limits.subscribeRate, now);
    this.#overLimit = new TokenBucket(limits.overLimitRate, now);
  }

  get open(): boolean {
    return !this.#closing && this.socket.readyState === WebSocket.OPEN;
  }

  /** A message from the client: parsed strictly; a bad one gets an error and the connection stays. */
  async receive(data: Buffer, isBinary: boolean): Promise<void> {
    if (!this.open) return;
    if (!this.#messages.take()) return this.#refuseOverLimit(`too many messages: at most ${describeRate(this.#limits.messageRate)}; this one was not handled`);
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
        if (!this.#subscribes.take()) {
          return this.#refuseOverLimit(`too many subscribes: at most ${describeRate(this.#limits.subscribeRate)}; this one was not handled, send it again later`, message.runId);
        }
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
    let next = 0;
    for (;;) {
      if (!this.open || this.#subscriptions.get(runId) !== subscription) return;
      const frames: Buffer[] = [];
      next = this.#replayStretch(subscription, stored, next, frames);
      if (next < stored.length) {
        await this.#writeAndWait(joinFrames(frames));
        continue;
      }
      // The last stretch, the live events held meanwhile and `subscribed` leave in one write.
      const held = subscription.held ?? [];
      subscription.held = undefined;
      for (const event of held) if (this.#take(subscription, event)) frames.push(eventFrame(event));
      frames.push(textFrame(encode({ type: 'subscribed', runId, lastSeq: subscription.sentSeq })));
      return this.#write(joinFrames(frames));
    }
  }

  /**
   * Frames of stored events from `start` into `frames`, until the client's queue would pass half
   * its cap (at least one frame), so replay keeps to the client's pace instead of queueing the
   * whole log at once. Returns where the next stretch starts.
   */
  #replayStretch(subscription: Subscription, stored: readonly RunEvent[], start: number, frames: Buffer[]): number {
    let queued = this.socket.bufferedAmount;
    let index = start;
    for (; index < stored.length; index++) {
      const event = stored[index]!;
      if (event.seq <= subscription.sentSeq) continue;
      const frame = eventFrame(event);
      if (frames.length > 0 && queued + frame.length > this.#limits.maxQueueBytes / 2) break;
      frames.push(frame);
      queued += frame.length;
      subscription.sentSeq = event.seq;
    }
    return index;
  }

  /** Stored events of one batch, live: what this client takes of it leaves in one write. */
  publish(batch: FrameBatch): void {
    if (!this.open) return;
    if (this.#sending === 'ws') return this.#publishWithWs(batch);
    let frames: Buffer[] | undefined;
    let takesAll = true;
    for (const event of batch.events) {
      const subscription = this.#subscriptions.get(event.runId);
      const take = subscription ? this.#take(subscription, event) : this.#all;
      if (take) (frames ??= []).push(eventFrame(event));
      else takesAll = false;
    }
    if (frames) this.#write(takesAll ? batch.joined() : joinFrames(frames));
  }

  /** The baseline bench/socket-frames.ts measures against: `ws`'s own send, one message per event. */
  #publishWithWs(batch: FrameBatch): void {
    if (this.socket.bufferedAmount > this.#limits.maxQueueBytes) return this.closeSlow();
    for (const event of batch.events) {
      const subscription = this.#subscriptions.get(event.runId);
      if (subscription ? this.#take(subscription, event) : this.#all) this.socket.send(eventPayload(event), { binary: false });
    }
  }

  /** Whether a live event goes out now: not while its run is replayed (then it is held), never twice. */
  #take(subscription: Subscription, event: RunEvent): boolean {
    if (subscription.held) {
      if (subscription.held.length >= this.#limits.maxHeldEvents) this.closeSlow();
      else subscription.held.push(event);
      return false;
    }
    if (event.seq <= subscription.sentSeq) return false;
    subscription.sentSeq = event.seq;
    return true;
  }

  /** Answers a message over a limit; one that keeps coming is closed as a policy violation. */
  #refuseOverLimit(message: string, runId?: string): void {
    if (!this.#overLimit.take()) return this.#close(FLOOD_CLOSE_CODE, 'too many messages over the rate limit');
    this.#send(runId === undefined ? { type: 'error', message } : { type: 'error', runId, message });
  }

  #send(message: ServerMessage): void {
    this.#write(textFrame(encode(message)));
  }

  /** Writes whole frames unless the connection is gone, or too far behind (then it is closed). */
  #write(frames: Buffer, written?: () => void): void {
    if (!this.open) return written?.();
    if (this.socket.bufferedAmount > this.#limits.maxQueueBytes) {
      this.closeSlow();
      return written?.();
    }
    this.#connection.write(frames, written && (() => written()));
  }

  /** Resolves once the frames have left for the client (or the connection is gone). */
  #writeAndWait(frames: Buffer): Promise<void> {
    return new Promise((resolve) => this.#write(frames, resolve));
  }

  /** Too slow to keep up: closed, so the server never buffers without bound. */
  closeSlow(): void {
    this.#close(SLOW_CLIENT_CLOSE_CODE, 'too slow: reconnect and subscribe with your last seq');
  }

  #close(code: number, reason: string): void {
    if (this.#closing) return;
    this.#closing = true;
    this.socket.close(code, reason);
    setTimeout(() => this.socket.terminate(), 2_000).unref();
  }
}

function describeRate(rate: Rate): string {
  return `${rate.burst} at once and ${rate.perSecond} a second after that`;
}

function joinFrames(frames: Buffer[]): Buffer {
  return frames.length === 1 ? frames[0]! : Buffer.concat(frames);
}
