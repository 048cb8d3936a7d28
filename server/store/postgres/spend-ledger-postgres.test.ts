/**
 * The spend ledger of database mode against a real PostgreSQL: reservations from two pools (as
 * from two servers) never both take the last dollar, settlement counts the real cost, a period
 * starts from what the logs hold, and a reservation of a killed process expires and is settled
 * from its run's log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ScopedSpendCap } from '../../engine/spend-ledger.ts';
import { REPO_ROOT } from '../../testing/server-process.ts';
import { eventually } from '../../testing/test-server.ts';
import { openDatabase, type Database } from './database.ts';
import { PostgresSpendLedger, type SpendLogs, type SpendPeriodKey } from './spend-ledger-postgres.ts';
import { describeWithDatabase } from './testing/test-database.ts';

const at = new Date('2026-12-06T12:00:00Z');
const berlinDay: ScopedSpendCap = { scope: 'flow', period: 'day', usd: 1, timeZone: 'Europe/Berlin' };
const noLogs: SpendLogs = { spentIn: async () => 0, spentByStep: async () => 0 };

describeWithDatabase('the spend ledger in PostgreSQL', (testDatabase) => {
  const databases: Database[] = [];
  const children: ChildProcess[] = [];
  let first: Database;
  let second: Database;

  beforeAll(async () => {
    first = await openDatabase(testDatabase().url, { log: () => undefined });
    second = await openDatabase(testDatabase().url, { log: () => undefined });
    databases.push(first, second);
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const database of databases) await database.close();
  });

  it('lets 40 reservations from two pools take exactly what the cap covers', async () => {
    const ledgers = [new PostgresSpendLedger({ database: first, logs: noLogs }), new PostgresSpendLedger({ database: second, logs: noLogs })];
    const caps: ScopedSpendCap[] = [{ ...berlinDay, usd: 0.7 }, { scope: 'server', period: 'month', usd: 100 }];
    const answers = await Promise.all(Array.from({ length: 40 }, (_, index) => ledgers[index % 2]!.reserve({ flowId: 'race', caps, usd: 0.1, at })));
    expect(answers.filter((answer) => answer.ok)).toHaveLength(7);
    const refused = answers.find((answer) => !answer.ok);
    expect(refused).toMatchObject({ ok: false, refusal: { scope: 'flow', flowId: 'race', period: 'day', periodKey: '2026-12-06', timeZone: 'Europe/Berlin', capUsd: 0.7, neededUsd: 0.1 } });
    // Settled below their worst case, they leave room for more.
    for (const answer of answers) if (answer.ok) await answer.settle(0.05);
    const after = await Promise.all(Array.from({ length: 10 }, (_, index) => ledgers[index % 2]!.reserve({ flowId: 'race', caps, usd: 0.1, at })));
    expect(after.filter((answer) => answer.ok)).toHaveLength(3); // 0.35 spent, 0.35 left: three worst cases of 0.1
    const last = after.find((answer) => !answer.ok);
    expect(last).toMatchObject({ refusal: { reservedUsd: expect.closeTo(0.3, 12), spentUsd: expect.closeTo(0.35, 12) } });
    for (const ledger of ledgers) ledger.close();
  });

  it('starts a period from what the logs hold, once, whichever process counts it first', async () => {
    const asked: SpendPeriodKey[] = [];
    const logs: SpendLogs = { spentIn: async (key) => (asked.push(key), 0.9), spentByStep: async () => 0 };
    const ledgers = [new PostgresSpendLedger({ database: first, logs }), new PostgresSpendLedger({ database: second, logs })];
    const refused = await ledgers[0]!.reserve({ flowId: 'seeded', caps: [berlinDay], usd: 0.2, at });
    expect(refused).toMatchObject({ ok: false, refusal: { spentUsd: 0.9 } });
    expect(asked).toEqual([{ scope: 'flow', flowId: 'seeded', period: 'day', timeZone: 'Europe/Berlin', periodKey: '2026-12-06' }]);
    expect((await ledgers[1]!.reserve({ flowId: 'seeded', caps: [berlinDay], usd: 0.1, at })).ok).toBe(true);
    expect(asked).toHaveLength(1); // the second process found the period's row
  });

  it('settles the reservation of a killed process from its log once its lease runs out', async () => {
    const request = { flowId: 'killed', caps: [berlinDay], usd: 0.8, at: at.toISOString(), runId: 'run-of-the-dead', nodeId: 'summarise' };
    const holder = spawn(process.execPath, ['--import', 'tsx', 'server/store/postgres/testing/spend-holder-process.ts', testDatabase().url, '3000', JSON.stringify(request)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(holder);
    const [line] = (await once(holder.stdout!, 'data')) as [Buffer];
    expect(line.toString()).toBe('held\n');

    const stepLogs: Array<[string, string, Date]> = [];
    const lines: string[] = [];
    const logs: SpendLogs = { spentIn: async () => 0, spentByStep: async (runId, nodeId, since) => (stepLogs.push([runId, nodeId, since]), 0.25) };
    const ledger = new PostgresSpendLedger({ database: first, logs, log: (text) => lines.push(text) });
    const ask = () => ledger.reserve({ flowId: 'killed', caps: [berlinDay], usd: 0.5, at });
    expect(await ask()).toMatchObject({ ok: false, refusal: { reservedUsd: 0.8 } });
    // Alive, the holder renews its lease: still held after the first lease would have run out.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(await ask()).toMatchObject({ ok: false, refusal: { reservedUsd: 0.8 } });

    holder.kill('SIGKILL');
    await once(holder, 'exit');
    const held = await eventually(async () => {
      const answer = await ask();
      return answer.ok ? answer : undefined;
    }, 60_000, 'the dead process\'s reservation to expire');
    expect(held.ok).toBe(true);
    // Settled at what the log shows the step spent (0.25), not at its worst case, nor forgotten.
    expect(stepLogs).toEqual([['run-of-the-dead', 'summarise', at]]);
    expect(lines.join('\n')).toMatch(/reservation of run run-of-the-dead step summarise outlived its process; settled at \$0\.25/);
    expect(await ask()).toMatchObject({ ok: false, refusal: { spentUsd: 0.25, reservedUsd: 0.5 } });
    ledger.close();
  }, 90_000);
});
