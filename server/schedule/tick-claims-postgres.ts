/**
 * Schedule tick claims in database mode: a row per tick in `schedule_ticks`, keyed by (flow,
 * trigger, tick time). The scheduler whose insert lands starts the tick's run; every other server's
 * insert conflicts and skips it, so each tick starts exactly one run however many servers run.
 * Like the files, the newest KEPT_CLAIMS claims per trigger are kept (they also say when the
 * trigger last fired, for catch-up).
 */
import type { Database } from '../store/postgres/database.ts';
import { KEPT_CLAIMS, type TickClaims, type TriggerRef } from './tick-claims.ts';

export class PostgresTickClaims implements TickClaims {
  readonly #database: Database;

  constructor(database: Database) {
    this.#database = database;
  }

  async claim(trigger: TriggerRef, tickMs: number): Promise<boolean> {
    const inserted = await this.#database.query('INSERT INTO schedule_ticks (flow_id, trigger, tick_ms) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [trigger.flowId, trigger.trigger, tickMs]);
    if (inserted.rowCount !== 1) return false;
    await this.#database.query(
      `DELETE FROM schedule_ticks WHERE flow_id = $1 AND trigger = $2 AND tick_ms < (
         SELECT tick_ms FROM schedule_ticks WHERE flow_id = $1 AND trigger = $2 ORDER BY tick_ms DESC OFFSET $3 LIMIT 1)`,
      [trigger.flowId, trigger.trigger, KEPT_CLAIMS - 1],
    );
    return true;
  }

  async lastTick(trigger: TriggerRef): Promise<number | undefined> {
    const row = (await this.#database.query<{ last: string | null }>('SELECT max(tick_ms)::text AS last FROM schedule_ticks WHERE flow_id = $1 AND trigger = $2', [trigger.flowId, trigger.trigger])).rows[0];
    return row?.last ? Number(row.last) : undefined;
  }
}
