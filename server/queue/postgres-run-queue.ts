/**
 * RunQueue over PostgreSQL: the events go through the runs store (batched, conditional on the
 * run's last seq, heard by its listeners), and the graphile-worker job rides in the transaction
 * that records them (PostgresRunsStore.append's `along`), so a crash never leaves a recorded
 * start without a job, or a job without its run.
 */
import { isTerminal, type RunEvent } from '../../shared/events.ts';
import type { PostgresRunsStore } from '../store/postgres/runs-store-postgres.ts';
import { queueRunNow } from './queue-sql.ts';
import type { RunQueue } from './run-queue.ts';

export class PostgresRunQueue implements RunQueue {
  readonly #store: PostgresRunsStore;
  readonly #leaseTimeoutMs: number;

  constructor(store: PostgresRunsStore, leaseTimeoutMs: number) {
    this.#store = store;
    this.#leaseTimeoutMs = leaseTimeoutMs;
  }

  record(events: RunEvent[]): Promise<void> {
    let last: Promise<void> = Promise.resolve();
    events.forEach((event, index) => {
      if (index < events.length - 1) last = this.#store.append(event);
      // An ended run needs no worker: one still executing it hits the conflict at its next append and stops.
      else if (isTerminal(event)) last = this.#store.append(event, async (client) => void (await client.query('DELETE FROM run_leases WHERE run_id = $1', [event.runId])));
      else last = this.#store.append(event, (client) => queueRunNow(client, event.runId, this.#leaseTimeoutMs));
    });
    return last;
  }
}
