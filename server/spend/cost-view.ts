/**
 * The cost view (`GET /api/cost`, `weft cost`): cost records read from the run logs, added up by
 * shared/cost-summary.ts, with what each spend cap has left in its current period.
 */
import type { CostRecord } from '../../shared/cost-records.ts';
import { summariseCosts, type CapToSummarise, type CostSummary } from '../../shared/cost-summary.ts';
import type { SpendCap } from '../../shared/spend-caps.ts';
import type { ScopedSpendCap } from '../engine/spend-ledger.ts';

/** Caps count the current day or month: 33 days back covers a month in any time zone. */
const CAP_LOOK_BACK_MS = 33 * 24 * 60 * 60 * 1000;

export interface CostViewSources {
  /** Cost records from `since` on (all when undefined), of one flow or of all. */
  records(filter: { flowId?: string; since?: Date }): Promise<CostRecord[]>;
  /** The spend caps of one flow, or of every flow, by flow id. */
  flowCaps(flowId?: string): Promise<Array<{ flowId: string; caps: readonly SpendCap[] }>>;
  serverCaps: readonly ScopedSpendCap[];
}

export async function costView(sources: CostViewSources, query: { flowId?: string; since?: string }, now = new Date()): Promise<CostSummary> {
  const since = query.since !== undefined ? new Date(`${query.since}T00:00:00Z`) : undefined;
  const filter = { ...(query.flowId !== undefined ? { flowId: query.flowId } : {}) };
  const records = await sources.records({ ...filter, ...(since ? { since } : {}) });
  const capSince = new Date(now.getTime() - CAP_LOOK_BACK_MS);
  const capRecords = since === undefined || since <= capSince ? records : await sources.records({ ...filter, since: capSince });
  const caps: CapToSummarise[] = [
    ...(await sources.flowCaps(query.flowId)).flatMap(({ flowId, caps: flowCaps }) => flowCaps.map((cap) => ({ ...cap, scope: 'flow' as const, flowId }))),
    ...sources.serverCaps.map((cap) => ({ ...cap, scope: 'server' as const })),
  ];
  return summariseCosts(records, { ...query, caps, capRecords, now });
}
