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
});
