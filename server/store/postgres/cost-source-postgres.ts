/**
 * The runs of database mode as a cost source (server/spend/read-cost-records.ts): read from the
 * runs table, not from this process's index, so the cost view and the spend ledger see the runs
 * of every server on the database, and only those the filter can need. Child runs are left out:
 * their cost is in their parent's log too (the step that ran them), counted there, once.
 */
import type { CostSource } from '../../spend/read-cost-records.ts';
import type { Database } from './database.ts';
import { selectEvents } from './run-event-rows.ts';

export function databaseCostSource(database: Database): CostSource {
  return {
    async runs(filter) {
      const { rows } = await database.query<{ run_id: string; flow_id: string; status: string; started_at: string; ended_at: string | null }>(
        `SELECT run_id, flow_id, status, started_at, ended_at FROM runs
          WHERE last_seq > 0 AND parent_run_id IS NULL AND ($1::text IS NULL OR flow_id = $1) AND ($2::text IS NULL OR ended_at IS NULL OR ended_at >= $2)
          ORDER BY started_at DESC`,
        [filter.flowId ?? null, filter.since?.toISOString() ?? null],
      );
      return rows.map((row) => ({ runId: row.run_id, flowId: row.flow_id, status: row.status, startedAt: row.started_at, ...(row.ended_at !== null ? { endedAt: row.ended_at } : {}) }));
    },
    readEvents: (runId) => selectEvents(database, runId, 0),
  };
}
