/**
 * Spend caps across runs. A model step reserves its worst case against every cap that covers it
 * (its flow's `settings.spendCaps`, the server's caps) before it sends, settles what it really cost
 * once the reply is in, and releases the rest, so two steps can never both take the last dollar.
 *
 * `SpendLedger` is the interface the engine uses; `MemorySpendLedger` keeps it in memory and is
 * exact within one process (a reservation is checked and held in one synchronous call). It starts
 * from the cost records of the event logs (shared/cost-records.ts), then follows settlements.
 */
import { calendarPeriod, DEFAULT_SPEND_TIME_ZONE, type SpendCap, type SpendPeriod } from '../../shared/spend-caps.ts';

/** A cap and whose spend it limits: one flow's, or everything the server runs. */
export interface ScopedSpendCap extends SpendCap {
  scope: 'flow' | 'server';
}

export interface SpendRefusal {
  scope: 'flow' | 'server';
  flowId: string;
  period: SpendPeriod;
  /** The calendar period: `2026-12-06` or `2026-12`. */
  periodKey: string;
  timeZone: string;
  capUsd: number;
  /** Settled spend in the period. */
  spentUsd: number;
  /** Held by steps running now. */
  reservedUsd: number;
  neededUsd: number;
}

/** `settle` counts what the step really spent and lets the rest go; it never rejects. */
export type SpendReservation = { ok: true; settle(actualUsd: number): Promise<void> } | { ok: false; refusal: SpendRefusal };

export interface SpendRequest {
  flowId: string;
  caps: readonly ScopedSpendCap[];
  usd: number;
  /** When the step asks: picks the calendar periods (a step is counted in the period it reserved in). */
  at: Date;
  /** The run and step holding it, so a reservation its process left behind can be settled from the run's log. */
  runId?: string;
  nodeId?: string;
}

export interface SpendLedger {
  /** Holds `usd` against every cap; refused (nothing held) when one of them would be exceeded. */
  reserve(request: SpendRequest): Promise<SpendReservation>;
}

export interface SpendEntry {
  flowId: string;
  at: Date;
  usd: number;
}

interface Tally {
  spentUsd: number;
  reservedUsd: number;
}

const EPSILON = 1e-12;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Spend older than this is no current period's: no calendar month, in any time zone, started earlier. */
export const SPEND_KEEP_MS = 33 * DAY_MS;
/** How often, by the requests' clock, what no current period needs is dropped. */
const TRIM_EVERY_MS = 60 * 60 * 1000;

export class MemorySpendLedger implements SpendLedger {
  #entries: SpendEntry[] = [];
  /** By `scope|flowId|period|timeZone|periodKey`, built from the entries the first time a cap asks. */
  readonly #tallies = new Map<string, Tally & { flowId: string | undefined; period: SpendPeriod; timeZone: string; periodKey: string }>();
  #trimmedAt = -Infinity;

  constructor(entries: Iterable<SpendEntry> = []) {
    for (const entry of entries) this.#entries.push(entry);
  }

  /** What it keeps: entries of spend, and tallies of periods caps asked about. */
  get size(): { entries: number; tallies: number } {
    return { entries: this.#entries.length, tallies: this.#tallies.size };
  }

  /**
   * Drops spend older than any current period and tallies of past periods, so a server that runs
   * for months keeps only what its caps can still ask about. A tally still holding a reservation
   * stays until it is settled.
   */
  #trim(at: Date): void {
    const now = at.getTime();
    if (now - this.#trimmedAt < TRIM_EVERY_MS) return;
    this.#trimmedAt = now;
    const oldest = now - SPEND_KEEP_MS;
    this.#entries = this.#entries.filter((entry) => entry.at.getTime() >= oldest);
    for (const [key, tally] of this.#tallies) {
      if (tally.reservedUsd <= 0 && tally.periodKey !== calendarPeriod(at, tally.period, tally.timeZone)) this.#tallies.delete(key);
    }
  }

  /** Settled spend of a cap's period holding `at` (what the cost view shows against the cap). */
  spentUsd(flowId: string, cap: ScopedSpendCap, at: Date): Tally {
    const tally = this.#tally(flowId, cap, at);
    return { spentUsd: tally.spentUsd, reservedUsd: tally.reservedUsd };
  }

  #tally(flowId: string, cap: ScopedSpendCap, at: Date) {
    const timeZone = cap.timeZone ?? DEFAULT_SPEND_TIME_ZONE;
    const periodKey = calendarPeriod(at, cap.period, timeZone);
    const owner = cap.scope === 'flow' ? flowId : undefined;
    const key = `${cap.scope}|${owner ?? ''}|${cap.period}|${timeZone}|${periodKey}`;
    let tally = this.#tallies.get(key);
    if (!tally) {
      tally = { flowId: owner, period: cap.period, timeZone, periodKey, spentUsd: 0, reservedUsd: 0 };
      for (const entry of this.#entries) if (this.#covers(tally, entry)) tally.spentUsd += entry.usd;
      this.#tallies.set(key, tally);
    }
    return tally;
  }

  #covers(tally: { flowId: string | undefined; period: SpendPeriod; timeZone: string; periodKey: string }, entry: SpendEntry): boolean {
    return (tally.flowId === undefined || tally.flowId === entry.flowId) && calendarPeriod(entry.at, tally.period, tally.timeZone) === tally.periodKey;
  }

  #record(entry: SpendEntry): void {
    if (entry.usd <= 0) return;
    this.#entries.push(entry);
    for (const tally of this.#tallies.values()) if (this.#covers(tally, entry)) tally.spentUsd += entry.usd;
  }

  // Checked and held in one synchronous stretch: no other reservation of this process comes between.
  async reserve({ flowId, caps, usd, at }: SpendRequest): Promise<SpendReservation> {
    this.#trim(at);
    const tallies = caps.map((cap) => ({ cap, tally: this.#tally(flowId, cap, at) }));
    for (const { cap, tally } of tallies) {
      if (tally.spentUsd + tally.reservedUsd + usd > cap.usd + EPSILON) {
        const { period, periodKey, timeZone, spentUsd, reservedUsd } = tally;
        return { ok: false, refusal: { scope: cap.scope, flowId, period, periodKey, timeZone, capUsd: cap.usd, spentUsd, reservedUsd, neededUsd: usd } };
      }
    }
    for (const { tally } of tallies) tally.reservedUsd += usd;
    let settled = false;
    return {
      ok: true,
      settle: async (actualUsd) => {
        if (settled) return;
        settled = true;
        for (const { tally } of tallies) tally.reservedUsd = Math.max(0, tally.reservedUsd - usd);
        // Counted in the period it was reserved in, so a step across midnight is not checked in one day and paid in the next.
        this.#record({ flowId, at, usd: actualUsd });
      },
    };
  }
}
