/**
 * Every server hears every run's stored events, whichever process appended them. The process
 * that appends a batch delivers it to its own listeners once it is committed (as the file store
 * does) and, in the same transaction, sends a notification naming the run and its last seq
 * (run-notifications.ts). Every other process's fan-out hears it on its listen connection
 * (listen-connection.ts), reads the events it has not delivered yet from `run_events`, and hands
 * them to the same listeners.
 *
 * One gate per run, the last seq delivered, makes that exactly once and in order: a batch is
 * delivered only from the seq after it, anything at or below it is dropped (a notification for
 * events already read, a read that overlapped a newer one), and a batch that would leave a gap is
 * replaced by a read of the missing range. A process that lost its listen connection reads, once
 * it is back, every run it follows (and every run the database calls unfinished) from its gate,
 * and the whole run index, since notifications sent meanwhile are lost.
 *
 * The index: a process that writes index rows notifies their run ids; the others read those rows
 * and `learn` them (memory only, never written back, so a server that lags never overwrites what
 * the run's own process wrote).
 */
import { randomBytes } from 'node:crypto';
import { isTerminal, type RunEvent } from '../../../shared/events.ts';
import { DatabaseUnreachableError, isConnectionError, reasonOf } from './database-errors.ts';
import type { Database } from './database.ts';
import { ListenConnection } from './listen-connection.ts';
import type { MemoryRunIndex } from './memory-run-index.ts';
import { EVENTS_CHANNEL, INDEX_CHANNEL, parseNotification, type RunNotification } from './run-notifications.ts';
import { indexEntryOf, selectEvents, SELECT_INDEX, type RunRow } from './run-event-rows.ts';

/** Ended runs whose gate is kept (a notification still on its way for one must not deliver it again). */
const ENDED_KEPT = 10_000;
/** Wait before reading a run again after a read failed. */
const RETRY_READ_MS = 1_000;


interface RunGate {
  /** Seq of the last event delivered. */
  delivered: number;
  ended: boolean;
  /** The read in progress, if any; `again` asks it to read once more when done. */
  reading: Promise<void> | undefined;
  again: boolean;
}

export interface RunFanoutOptions {
  database: Database;
  /** Hands one run's events, in order, to the store's listeners. */
  deliver(events: RunEvent[]): void;
  log: (line: string) => void;
  reconnectMs?: number;
}

export class RunFanout {
  /** Names this process in its notifications, so it ignores its own. */
  readonly origin = randomBytes(8).toString('hex');
  /** Of the listen connection, as pg_stat_activity shows it (an operator, or a test, finds it by it). */
  readonly applicationName = `weft-listen-${this.origin}`;
  readonly #options: RunFanoutOptions;
  readonly #gates = new Map<string, RunGate>();
  readonly #endedOrder = new Set<string>();
  #index: MemoryRunIndex | undefined;
  #connection: ListenConnection | undefined;
  /** Notifications heard before the gates were set from the database (`start`). */
  #early: RunNotification[] | undefined = [];
  #indexReads: Promise<void> = Promise.resolve();
  readonly #retries = new Set<ReturnType<typeof setTimeout>>();
  #closed = false;

  constructor(options: RunFanoutOptions) {
    this.#options = options;
  }

  /**
   * Listens first, then reads the index and every run's last seq, so that nothing committed in
   * between is missed (and what is both read and heard is delivered once). Returns the index rows.
   */
  async start(): Promise<RunRow[]> {
    try {
      return await this.#start();
    } catch (error) {
      await this.close();
      // At start a database out of reach stops the server with the same clear error as opening the pool (database.ts).
      if (isConnectionError(error) || (error instanceof Error && error.name === 'DatabaseUnavailableError')) throw new DatabaseUnreachableError(this.#options.database.target, reasonOf(error));
      throw error;
    }
  }

  async #start(): Promise<RunRow[]> {
    this.#connection = await ListenConnection.open({
      client: () => this.#options.database.dedicatedClient(this.applicationName),
      channels: [EVENTS_CHANNEL, INDEX_CHANNEL],
      onNotification: (channel, payload) => this.#heard(channel, payload),
      onListening: () => this.#catchUp(),
      log: this.#options.log,
      ...(this.#options.reconnectMs !== undefined ? { reconnectMs: this.#options.reconnectMs } : {}),
    });
    const { rows } = await this.#options.database.query<RunRow>(SELECT_INDEX);
    for (const row of rows) if (row.last_seq > 0) this.#gate(row.run_id, row.last_seq, row.status !== 'running' && row.status !== 'waiting');
    return rows;
  }

  /** The index that learns rows written elsewhere; notifications held until now are handled. */
  follow(index: MemoryRunIndex): void {
    this.#index = index;
    const early = this.#early ?? [];
    this.#early = undefined;
    for (const notification of early) this.#handle(notification);
  }

  get listening(): boolean {
    return this.#connection?.listening ?? false;
  }

  /** Events this process appended, just committed: delivered now unless they leave a gap. */
  deliverOwn(events: RunEvent[]): void {
    const first = events[0];
    if (!first) return;
    const gate = this.#gates.get(first.runId) ?? this.#gate(first.runId, first.seq - 1, false);
    if (first.seq > gate.delivered + 1) return void this.#read(first.runId);
    this.#deliver(gate, first.runId, events);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#retries) clearTimeout(timer);
    this.#retries.clear();
    await this.#connection?.close();
  }

  #gate(runId: string, delivered: number, ended: boolean): RunGate {
    const gate: RunGate = { delivered, ended: false, reading: undefined, again: false };
    this.#gates.set(runId, gate);
    if (ended) this.#ended(runId, gate);
    return gate;
  }

  #ended(runId: string, gate: RunGate): void {
    gate.ended = true;
    this.#endedOrder.add(runId);
    if (this.#endedOrder.size <= ENDED_KEPT) return;
    const oldest = this.#endedOrder.values().next().value!;
    this.#endedOrder.delete(oldest);
    this.#gates.delete(oldest);
  }

  /** Delivers what of `events` (consecutive, one run) lies past the gate. */
  #deliver(gate: RunGate, runId: string, events: RunEvent[]): void {
    const fresh = events[0]!.seq > gate.delivered ? events : events.filter((event) => event.seq > gate.delivered);
    if (fresh.length === 0) return;
    gate.delivered = fresh.at(-1)!.seq;
    if (!gate.ended && fresh.some(isTerminal)) this.#ended(runId, gate);
    this.#options.deliver(fresh);
  }

  #heard(channel: string, payload: string | undefined): void {
    const notification = parseNotification(channel, payload);
    if (!notification || notification.origin === this.origin || this.#closed) return;
    if (this.#early) this.#early.push(notification);
    else this.#handle(notification);
  }

  #handle(notification: RunNotification): void {
    if (notification.channel === INDEX_CHANNEL) {
      void this.#learnIndex('everyRun' in notification ? undefined : notification.runIds).catch((error: unknown) => {
        // The rows are read again when the connection is back (#catchUp); a lone failed read waits for the next change.
        this.#options.log(`weft: could not read run index rows written by another server: ${reasonOf(error)}`);
      });
      return;
    }
    if ('everyRun' in notification) return void this.#catchUpRuns().catch(() => undefined);
    const gate = this.#gates.get(notification.runId);
    if (gate && notification.lastSeq <= gate.delivered) return;
    void this.#read(notification.runId);
  }

  /** Reads the run past its gate and delivers; one read per run at a time, again if asked meanwhile. */
  #read(runId: string): Promise<void> {
    const gate = this.#gates.get(runId) ?? this.#gate(runId, 0, false);
    if (gate.reading) {
      gate.again = true;
      return gate.reading;
    }
    gate.reading = (async () => {
      try {
        do {
          gate.again = false;
          const events = await selectEvents(this.#options.database, runId, gate.delivered);
          if (events && events.length > 0 && !this.#closed) this.#deliver(gate, runId, events);
        } while (gate.again && !this.#closed);
      } finally {
        gate.reading = undefined;
      }
    })();
    gate.reading.catch((error: unknown) => this.#retryRead(runId, error));
    return gate.reading;
  }

  #retryRead(runId: string, error: unknown): void {
    if (this.#closed) return;
    this.#options.log(`weft: could not read events of run ${runId} stored by another server (${reasonOf(error)}); trying again.`);
    const timer = setTimeout(() => {
      this.#retries.delete(timer);
      if (!this.#closed) void this.#read(runId).catch(() => undefined);
    }, RETRY_READ_MS);
    timer.unref();
    this.#retries.add(timer);
  }

  /** After the listen connection came back: the whole index, then every run that may have moved. */
  async #catchUp(): Promise<void> {
    await this.#learnIndex(undefined);
    await this.#catchUpRuns();
  }

  async #catchUpRuns(): Promise<void> {
    const followed = [...this.#gates].filter(([, gate]) => !gate.ended).map(([runId]) => runId);
    const { rows } = await this.#options.database.query<{ run_id: string; last_seq: number }>(
      `SELECT run_id, last_seq FROM runs WHERE last_seq > 0 AND (status IN ('running', 'waiting') OR run_id = ANY($1::text[]))`,
      [followed],
    );
    const behind = rows.filter((row) => row.last_seq > (this.#gates.get(row.run_id)?.delivered ?? 0));
    await Promise.all(behind.map((row) => this.#read(row.run_id)));
  }

  /** Reads index rows (of `runIds`, or all) written elsewhere into memory; one read at a time, in order. */
  #learnIndex(runIds: readonly string[] | undefined): Promise<void> {
    const read = this.#indexReads.then(async () => {
      const index = this.#index;
      if (!index || this.#closed) return;
      const { rows } = runIds === undefined ? await this.#options.database.query<RunRow>(SELECT_INDEX) : await this.#options.database.query<RunRow>(`${SELECT_INDEX} WHERE run_id = ANY($1::text[])`, [runIds]);
      const found = new Set<string>();
      for (const row of rows) {
        found.add(row.run_id);
        index.learn(indexEntryOf(row));
      }
      for (const runId of runIds ?? index.list().map((entry) => entry.runId)) if (!found.has(runId)) index.forget(runId);
    });
    this.#indexReads = read.catch(() => undefined);
    return read;
  }
}
