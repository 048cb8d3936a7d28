/**
 * One connection held for LISTEN (a pooled connection cannot: the pool would hand it to others
 * and drop it when idle). When it is lost (the database restarted, a network cut, an
 * administrator's pg_terminate_backend), it connects again, every second until it can, and
 * calls `onListening` once LISTEN is back in place, so the caller reads what it missed meanwhile:
 * notifications sent while nobody listened are gone for good.
 */
import type pg from 'pg';
import { reasonOf } from './database-errors.ts';

/** Wait between attempts to connect again; the same pace as the write probe of database-health.ts. */
const RECONNECT_MS = 1_000;

export interface ListenConnectionOptions {
  /** A fresh, unconnected client for each attempt (Database.dedicatedClient). */
  client: () => pg.Client;
  channels: readonly string[];
  onNotification(channel: string, payload: string | undefined): void;
  /**
   * After LISTEN is in place again following a loss: read what may have been missed. A rejection
   * counts as another loss (the connection is dropped and the whole is tried again).
   */
  onListening(): Promise<void>;
  log: (line: string) => void;
  reconnectMs?: number;
}

export class ListenConnection {
  readonly #options: ListenConnectionOptions;
  #client: pg.Client | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  /** Since the connection was lost (reported once per outage). */
  #lostSince: number | undefined;

  private constructor(options: ListenConnectionOptions) {
    this.#options = options;
  }

  /** Connects and listens; throws when the first attempt fails (the caller reports it at start). */
  static async open(options: ListenConnectionOptions): Promise<ListenConnection> {
    const connection = new ListenConnection(options);
    await connection.#connect();
    return connection;
  }

  /** False while the connection is lost and being made again. */
  get listening(): boolean {
    return this.#client !== undefined;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    const client = this.#options.client();
    // Until it is ours, an error only fails the attempt (connect or LISTEN rejects with it).
    client.on('error', () => undefined);
    try {
      await client.connect();
      for (const channel of this.#options.channels) await client.query(`LISTEN ${quoteIdentifier(channel)}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    client.on('notification', (message) => this.#options.onNotification(message.channel, message.payload));
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, new Error('the connection ended')));
    this.#client = client;
  }

  #lost(client: pg.Client, error: unknown): void {
    if (this.#closed || this.#client !== client) return;
    this.#client = undefined;
    void client.end().catch(() => undefined);
    if (this.#lostSince === undefined) {
      this.#lostSince = Date.now();
      this.#options.log(`weft: the connection that hears other servers' run events was lost (${reasonOf(error)}); connecting again.`);
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#closed || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#reconnect();
    }, this.#options.reconnectMs ?? RECONNECT_MS);
    this.#timer.unref();
  }

  async #reconnect(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#connect();
    } catch {
      return this.#schedule();
    }
    const client = this.#client;
    if (!client) return;
    try {
      await this.#options.onListening();
    } catch (error) {
      return this.#lost(client, error);
    }
    if (this.#client !== client) return;
    this.#lostSince = undefined;
    this.#options.log("weft: hearing other servers' run events again; what was missed meanwhile has been read.");
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
