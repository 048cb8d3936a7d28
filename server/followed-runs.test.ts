/**
 * FollowedRuns against a real runs store (files): a run first heard mid-way is read from the
 * store once, events heard during that read are folded after it without a duplicate, and the fold
 * matches the reducer over the whole log.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { RunEvent } from '../shared/events.ts';
import { foldEvents, type RunState } from '../shared/run-state.ts';
import { triageRunEvents } from '../shared/testing/run-events.ts';
import { FollowedRuns } from './followed-runs.ts';
import { RunsStore } from './store/runs-store.ts';
import { makeTempDirs, type TempDirs } from './testing/temp-dirs.ts';
import { eventually } from './testing/test-server.ts';

let dirs: TempDirs;
let store: RunsStore;
beforeEach(async () => {
  dirs = makeTempDirs();
  store = await RunsStore.open({ dataDir: dirs.dataDir, log: () => undefined });
});
afterEach(async () => {
  await store.close();
  dirs.remove();
});

function logOf(runId: string): RunEvent[] {
  return triageRunEvents().map((event) => ({ ...event, runId }));
}

async function stored(events: RunEvent[]): Promise<void> {
  await Promise.all(events.map((event) => store.append(event)));
}

it('follows a run first heard mid-way: reads it once, then folds what arrives, skipping what the read held', async () => {
  const log = logOf('run-mid');
  const ended: RunState[] = [];
  const followed = new FollowedRuns({ store, log: () => undefined, onEnded: (state) => ended.push(state) });
  await stored(log.slice(0, 12));
  // Heard from seq 9: 9-12 are also in the store; the read covers them.
  followed.apply(log.slice(8, 12));
  expect(followed.has('run-mid')).toBe(true);
  // More arrives while the read is on its way (held, then applied past what the read found).
  followed.apply(log.slice(12, 14));
  await stored(log.slice(12, 14));
  await eventually(() => followed.get('run-mid'), 5_000, 'the run to be read');
  expect(followed.get('run-mid')).toEqual(foldEvents(log.slice(0, 14), 'run-mid'));
  expect(followed.states().map((state) => state.runId)).toEqual(['run-mid']);

  followed.apply(log.slice(14));
  expect(ended).toEqual([foldEvents(log, 'run-mid')]);
  expect(followed.has('run-mid')).toBe(false);
});

it('folds a run heard from its run.started without reading the store, and forgets a run that becomes live here', () => {
  const log = logOf('run-fresh');
  const followed = new FollowedRuns({ store, log: () => undefined, onEnded: () => undefined });
  followed.apply(log.slice(0, 5));
  expect(followed.get('run-fresh')).toEqual(foldEvents(log.slice(0, 5), 'run-fresh'));
  // The same events again (a redelivery) change nothing.
  followed.apply(log.slice(3, 5));
  expect(followed.get('run-fresh')).toEqual(foldEvents(log.slice(0, 5), 'run-fresh'));
  followed.forget('run-fresh');
  expect(followed.has('run-fresh')).toBe(false);
});

it('drops a run the store does not hold, so its next event tries again', async () => {
  const followed = new FollowedRuns({ store, log: () => undefined, onEnded: () => undefined });
  followed.apply(logOf('run-gone').slice(4, 6));
  await eventually(() => !followed.has('run-gone'), 5_000, 'the unknown run to be dropped');
  expect(followed.states()).toEqual([]);
});
