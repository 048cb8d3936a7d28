/**
 * Spend the run logs hold, for a spend ledger that did not count it itself: a period's spend
 * before the ledger first counts it, and what a step spent whose process died holding a reservation.
 */
import { calendarPeriod } from '../../shared/spend-caps.ts';
import { costRecordsOf } from '../../shared/cost-records.ts';
import type { SpendLogs, SpendPeriodKey } from '../store/postgres/spend-ledger-postgres.ts';
import { readCostRecords, type CostSource } from './read-cost-records.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
/** How far back the current calendar period can start, in any time zone. */
const LOOK_BACK_MS: Record<SpendPeriodKey['period'], number> = { day: 2 * DAY_MS, month: 33 * DAY_MS };

export function spendLogsFrom(source: CostSource, now: () => number = Date.now): SpendLogs {
  return {
    async spentIn(key) {
      const filter = { since: new Date(now() - LOOK_BACK_MS[key.period]), ...(key.flowId !== undefined ? { flowId: key.flowId } : {}) };
      let total = 0;
      for (const record of await readCostRecords(source, filter)) {
        if (record.usd !== null && record.usd > 0 && calendarPeriod(new Date(record.at), key.period, key.timeZone) === key.periodKey) total += record.usd;
      }
      return total;
    },
    async spentByStep(runId, nodeId, since) {
      const events = await source.readEvents(runId);
      const from = since.toISOString();
      let total = 0;
      for (const record of costRecordsOf(events ?? [])) if (record.nodeId === nodeId && record.at >= from && record.usd !== null) total += record.usd;
      return total;
    },
  };
}
