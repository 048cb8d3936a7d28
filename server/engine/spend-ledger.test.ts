import { describe, expect, it } from 'vitest';
import { MemorySpendLedger, type ScopedSpendCap } from './spend-ledger.ts';

const berlinDay: ScopedSpendCap = { scope: 'flow', period: 'day', usd: 1, timeZone: 'Europe/Berlin' };

describe('MemorySpendLedger', async () => {
  it('counts spend in the calendar day of the cap\'s time zone', async () => {
    // 23:30 UTC on 5 December is 00:30 on 6 December in Berlin.
    const ledger = new MemorySpendLedger([{ flowId: 'a', at: new Date('2026-12-05T23:30:00Z'), usd: 0.6 }]);
    const refused = await ledger.reserve({ flowId: 'a', caps: [berlinDay], usd: 0.5, at: new Date('2026-12-06T12:00:00Z') });
    expect(refused).toEqual({ ok: false, refusal: { scope: 'flow', flowId: 'a', period: 'day', periodKey: '2026-12-06', timeZone: 'Europe/Berlin', capUsd: 1, spentUsd: 0.6, reservedUsd: 0, neededUsd: 0.5 } });
    const utcDay = await ledger.reserve({ flowId: 'a', caps: [{ ...berlinDay, timeZone: 'UTC' }], usd: 0.5, at: new Date('2026-12-06T12:00:00Z') });
    expect(utcDay.ok).toBe(true);
  });

  it('holds reservations until settled, then counts only what was spent', async () => {
    const ledger = new MemorySpendLedger();
    const at = new Date('2026-12-06T12:00:00Z');
    const first = await ledger.reserve({ flowId: 'a', caps: [berlinDay], usd: 0.7, at });
    expect(first.ok).toBe(true);
    expect((await ledger.reserve({ flowId: 'a', caps: [berlinDay], usd: 0.4, at })).ok).toBe(false);
    expect((await ledger.reserve({ flowId: 'b', caps: [berlinDay], usd: 0.4, at })).ok).toBe(true); // another flow's cap
    if (first.ok) await first.settle(0.1);
    expect(ledger.spentUsd('a', berlinDay, at)).toEqual({ spentUsd: 0.1, reservedUsd: 0 });
    expect((await ledger.reserve({ flowId: 'a', caps: [berlinDay], usd: 0.9, at })).ok).toBe(true);
  });

  it('counts a server cap over every flow', async () => {
    const server: ScopedSpendCap = { scope: 'server', period: 'month', usd: 1 };
    const ledger = new MemorySpendLedger([{ flowId: 'a', at: new Date('2026-12-01T00:00:00Z'), usd: 0.8 }]);
    const refused = await ledger.reserve({ flowId: 'b', caps: [server], usd: 0.3, at: new Date('2026-12-20T00:00:00Z') });
    expect(refused.ok).toBe(false);
    expect((await ledger.reserve({ flowId: 'b', caps: [server], usd: 0.3, at: new Date('2027-01-02T00:00:00Z') })).ok).toBe(true);
  });

  it('keeps only what the current periods need: old spend and past periods\' tallies are dropped', async () => {
    const now = new Date('2026-12-20T12:00:00Z');
    const day = 24 * 60 * 60 * 1000;
    // A year of spend, one entry an hour: 8,760 entries, 24 of them today, 20 days of them this month (UTC).
    const entries = Array.from({ length: 365 * 24 }, (_, hour) => ({ flowId: hour % 2 === 0 ? 'a' : 'b', at: new Date(now.getTime() - hour * 3_600_000 - 1), usd: 0.001 }));
    const ledger = new MemorySpendLedger(entries);
    const month: ScopedSpendCap = { scope: 'server', period: 'month', usd: 1000 };
    const today: ScopedSpendCap = { scope: 'flow', period: 'day', usd: 1000 };
    expect((await ledger.reserve({ flowId: 'a', caps: [month, today], usd: 0, at: now })).ok).toBe(true);
    const kept = ledger.size.entries;
    expect(kept).toBeLessThanOrEqual(33 * 24 + 1);
    expect(kept).toBeGreaterThanOrEqual(31 * 24);
    // What the caps count is unchanged by dropping: this month's hours (19.5 days) and flow a's of today.
    expect(ledger.spentUsd('a', month, now).spentUsd).toBeCloseTo((19 * 24 + 12) * 0.001, 9);
    expect(ledger.spentUsd('a', today, now).spentUsd).toBeCloseTo(6 * 0.001, 9);

    // Days later the past days' tallies are gone, and only the last 33 days of entries stay.
    for (let later = 1; later <= 5; later++) {
      const at = new Date(now.getTime() + later * day);
      const answer = await ledger.reserve({ flowId: 'a', caps: [month, today], usd: 0.01, at });
      if (answer.ok) await answer.settle(0.01);
    }
    expect(ledger.size.tallies).toBe(2);
    expect(ledger.size.entries).toBeLessThanOrEqual(33 * 24 + 5);
    expect(ledger.spentUsd('a', today, new Date(now.getTime() + 5 * day)).spentUsd).toBeCloseTo(0.01, 9);
  });
});
