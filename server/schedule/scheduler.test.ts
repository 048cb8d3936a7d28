/**
 * Schedules through the real server: a seconds-field cron starts one run per tick, also with a
 * second scheduler on the same flows, runs and data directory; catch-up runs a missed tick once
 * (or skips it); a bad cron is refused naming its path.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Flow } from '../../shared/flow.ts';
import { FlowsStore } from '../store/flows-store.ts';
import { echoFlow } from '../testing/fixture-flows.ts';
import { makeTempDirs } from '../testing/temp-dirs.ts';
import { eventually, startTestServer, type TestServer } from '../testing/test-server.ts';
import { Scheduler } from './scheduler.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

const scheduled = (cron: string, extra: Record<string, unknown> = {}): Flow => ({ ...echoFlow('ticker'), settings: { triggers: [{ type: 'schedule', cron, inputs: { text: 'tick' }, ...extra }] } }) as Flow;

async function scheduleRuns(test: TestServer): Promise<Array<{ runId: string; origin?: { type: string; name?: string } }>> {
  return (await test.api.get('/api/runs?flowId=ticker')).body.runs.filter((run: { origin?: { type: string } }) => run.origin?.type === 'schedule');
}

describe('schedules', () => {
  it('a seconds-field cron starts one run per tick, also with two schedulers on one data directory', async () => {
    const test = await startTestServer({ scheduleRescanMs: 50 });
    servers.push(test);
    expect((await test.api.put('/api/flows/ticker', scheduled('* * * * * *'))).status).toBe(201);
    await eventually(async () => ((await scheduleRuns(test)).length >= 2 ? true : undefined), 20_000, 'two scheduled runs');
    // A second scheduler (as a second server would run) over the same flows, runs and data directory.
    const second = new Scheduler({ flows: new FlowsStore(test.dirs.flowsDir), runs: test.server.runs, dataDir: test.dirs.dataDir, log: () => {} });
    await second.start();
    const before = (await scheduleRuns(test)).length;
    await eventually(async () => ((await scheduleRuns(test)).length >= before + 3 ? true : undefined), 20_000, 'three more scheduled runs');
    second.close();
    // Stop scheduling: the flow without triggers.
    expect((await test.api.put('/api/flows/ticker', echoFlow('ticker'))).status).toBe(200);
    await test.stop();
    const runs = (await (async () => {
      const reopened = await startTestServer({ dirs: test.dirs });
      servers[0] = reopened;
      return scheduleRuns(reopened);
    })());
    const ticks = runs.map((run) => run.origin!.name!);
    expect(ticks.every((name) => /^ticker\.1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/.test(name))).toBe(true);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(ticks.length).toBeGreaterThanOrEqual(5);
  });

  it('runs a tick missed while the server was down once when catchUp is true, and skips it when false', async () => {
    for (const catchUp of [true, false]) {
      const dirs = makeTempDirs();
      const first = await startTestServer({ dirs });
      expect((await first.api.put('/api/flows/ticker', scheduled('0 0 1 1 *', { catchUp }))).status).toBe(201);
      await first.stop();
      // The trigger last fired two years ago; its next tick (a New Year since) was missed.
      mkdirSync(join(dirs.dataDir, 'schedule-ticks'), { recursive: true });
      writeFileSync(join(dirs.dataDir, 'schedule-ticks', `ticker.1@${Date.parse('2024-01-01T00:00:00Z')}`), '');
      const test = await startTestServer({ dirs });
      servers.push(test);
      if (catchUp) {
        const runs = await eventually(async () => ((await scheduleRuns(test)).length > 0 ? scheduleRuns(test) : undefined), 10_000, 'the caught-up run');
        expect(runs).toHaveLength(1);
        expect(runs[0]!.origin!.name).toBe('ticker.1 2025-01-01T00:00:00.000Z');
      } else {
        expect(await scheduleRuns(test)).toEqual([]);
      }
      await test.close();
      servers.pop();
      dirs.remove();
    }
  });

  it('refuses a cron that is not 5 or 6 fields, out of range, or in an unknown time zone, naming the path', async () => {
    const test = await startTestServer();
    servers.push(test);
    const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
      ['61 * * * *', {}, 'settings.triggers[0].cron', /minute/],
      ['* * * *', {}, 'settings.triggers[0].cron', /5 fields/],
      ['0 9 * * 1-5', { timezone: 'Mars/Olympus' }, 'settings.triggers[0].timezone', /IANA/],
    ];
    for (const [cron, extra, path, message] of cases) {
      const response = await test.api.put('/api/flows/ticker', scheduled(cron, extra));
      expect(response.status, cron).toBe(400);
      expect(response.body.error.issues[0]).toMatchObject({ path, message: expect.stringMatching(message) });
    }
    expect((await test.api.put('/api/flows/ticker', scheduled('0 9 * * 1-5', { timezone: 'Europe/Berlin' }))).status).toBe(201);
  });
});
