/**
 * The WebSocket hub on `/ws`: upgrades on the main HTTP server (noServer), after the same Host,
 * Origin and token checks as REST, and under a global cap on connections (each one holds a send
 * queue and may replay logs, so their number bounds the memory and reads clients can cause).
 * Small maxPayload, ping/pong heartbeats that drop dead clients, and stored events fanned out to
 * subscribers.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { RunEvent } from '../../shared/events.ts';
import { cookieToken, decideAccess, singleHeader, type AccessPolicy } from '../security.ts';
import { FrameBatch, type EventSending } from './event-frames.ts';
import { HubClient, type ClientLimits, type EventSource } from './hub-client.ts';

export const WS_PATH = '/ws';
/** Connections open at once, across all clients, when no cap is given (server/config.ts sets one). */
export const DEFAULT_MAX_CONNECTIONS = 500;

export interface HubOptions {
  source: EventSource;
  policy: () => AccessPolicy;
  heartbeatMs?: number;
  maxPayloadBytes?: number;
  /** Upgrades past this many open connections are refused with 503. */
  maxConnections?: number;
  /** How live events leave (event-frames.ts); `ws` only to measure against. */
  eventSending?: EventSending;
  limits?: Partial<ClientLimits>;
  /** The clock of the rate limits, in ms (default: performance.now); tests move it by hand. */
  now?: () => number;
}

/**
 * Rates per connection. The browser sends a handful of messages: "*" and the open run, and the
 * same again after a reconnect. A burst of 20 subscribes covers a reconnect with many runs open;
 * 10 a second after that bounds the log reads one connection can cause (each subscribe reads and
 * replays a run's log). Other messages are cheap: 100 at once, 50 a second. A client gets an
 * error for each message over a limit, up to 20 of them (one more each second); one that keeps
 * going past that is flooding and is closed (1008).
 */
const DEFAULT_LIMITS: ClientLimits = {
  maxQueueBytes: 1024 * 1024,
  maxHeldEvents: 10_000,
  maxSubscriptions: 100,
  messageRate: { burst: 100, perSecond: 50 },
  subscribeRate: { burst: 20, perSecond: 10 },
  overLimitRate: { burst: 20, perSecond: 1 },
};

export class WebSocketHub {
  readonly #server: WebSocketServer;
  readonly #clients = new Set<HubClient>();
  readonly #options: HubOptions;
  readonly #limits: ClientLimits;
  readonly #heartbeat: ReturnType<typeof setInterval>;

  constructor(options: HubOptions) {
    this.#options = options;
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#server = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes ?? 16 * 1024, perMessageDeflate: false, clientTracking: false });
    this.#heartbeat = setInterval(() => this.#beat(), options.heartbeatMs ?? 30_000);
    this.#heartbeat.unref();
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /** Clients not being closed (a slow one counts as gone at once). */
  get openClientCount(): number {
    let count = 0;
    for (const client of this.#clients) if (client.open) count++;
    return count;
  }

  /** For `server.on('upgrade')`: refuses anything but an allowed `/ws` upgrade before accepting it. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== WS_PATH) return refuse(socket, 404, 'Not Found');
    const decision = decideAccess(this.#options.policy(), {
      host: singleHeader(request, 'host'),
      origin: singleHeader(request, 'origin'),
      checkOrigin: true,
      needsToken: true,
      token: url.searchParams.get('token') ?? cookieToken(singleHeader(request, 'cookie')),
    });
    if (!decision.ok) return refuse(socket, decision.status, decision.status === 401 ? 'Unauthorized' : 'Forbidden');
    // `ws` completes an upgrade synchronously (no verifyClient), so the count is exact here.
    const cap = this.#options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    if (this.#clients.size >= cap) return refuse(socket, 503, 'Service Unavailable', `too many WebSocket connections (at most ${cap}); try again later`);
    this.#server.handleUpgrade(request, socket, head, (ws) => this.#accept(ws, socket));
  }

  /** `connection` is the upgraded socket itself, which the WebSocket runs on. */
  #accept(socket: WebSocket, connection: Duplex): void {
    const client = new HubClient(socket, connection, this.#options.source, this.#limits, this.#options.eventSending, this.#options.now);
    this.#clients.add(client);
    socket.on('pong', () => {
      client.alive = true;
    });
    socket.on('message', (data, isBinary) => {
      client.receive(Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]), isBinary).catch(() => socket.terminate());
    });
    socket.on('close', () => this.#clients.delete(client));
    // ws has already sent the close frame (e.g. 1009 for a message over maxPayload) and will close.
    socket.on('error', () => undefined);
  }

  /**
   * Stored events, in order, to every subscriber: each event is encoded once for all clients, and
   * each client gets what it takes of the batch in one write.
   */
  publish(events: readonly RunEvent[]): void {
    if (events.length === 0 || this.#clients.size === 0) return;
    const batch = new FrameBatch(events);
    for (const client of this.#clients) client.publish(batch);
  }

  #beat(): void {
    for (const client of this.#clients) {
      if (!client.alive) {
        client.socket.terminate();
        this.#clients.delete(client);
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    for (const client of this.#clients) client.socket.close(1001, 'server shutting down');
    const deadline = setTimeout(() => {
      for (const client of this.#clients) client.socket.terminate();
    }, 1_000);
    deadline.unref();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const client of this.#clients) client.socket.terminate();
    this.#clients.clear();
  }
}

function refuse(socket: Duplex, status: number, reason: string, text = reason): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
  setTimeout(() => socket.destroy(), 1_000).unref();
}
