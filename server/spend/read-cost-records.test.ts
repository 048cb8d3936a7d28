/**
 * The cost records of ended runs are read from their logs once: a later read (the Cost tab looked
 * at again) opens only the logs of runs that have not ended. Real runs of the engine, stored in a
 * real RunsStore, read through the file mode's cost source.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { foldEvents } from '../../shared/run-state.ts';
import type { CostEmission, StepContext } from '../engine/executor.ts';
import { startRun } from '../engine/index.ts';
import { field, flowOf, harness, nodes } from '../engine/testing/engine-harness.ts';
import { indexEntry } from '../run-views.ts';
import { RunsStore } from '../store/runs-store.ts';
import { costSourceOf } from './open-spend-ledger.ts';
import { EndedRunCosts, readCostRecords } from './read-cost-records.ts';

const chain = () =>
  flowOf(
    [nodes.input('in', [field('text')]), nodes.code('think', [field('text')], [field('text')]), nodes.output('out', [field('text')])],
    [
      ['in.text', 'think.text'],
      ['think.text', 'out.text'],
    ],
  );

const cost = (usd: number): CostEmission => ({ type: 'step.cost', model: 'm', inputTokens: 100, outputTokens: 10, usd, final: true, simulated: false });

describe('readCostRecords with the ended runs kept', () => {
  it('reads an ended run’s log once, a running one’s at every read, and answers the same records', async () => {
    const ended = harness({ think: (context: StepContext) => (context.emit(cost(0.003)), Promise.resolve({ text: 'done' })) });
    expect(await startRun('run-ended', chain(), { text: 'a' }, ended.options).settled()).toBe('succeeded');
    // Spends, then never finishes: the run stays running.
    const running = harness({ think: (context: StepContext) => (context.emit(cost(0.002)), new Promise<Record<string, unknown>>(() => undefined)) });
    startRun('run-running', chain(), { text: 'b' }, running.options);
    await running.entered('think');
    await new Promise((resolve) => setTimeout(resolve, 20));

    const dataDir = mkdtempSync(join(tmpdir(), 'weft-cost-records-'));
    const store = await RunsStore.open({ dataDir, log: () => undefined });
    try {
      for (const events of [ended.events, running.events]) {
        for (const event of events) await store.append(event);
        store.index.put(indexEntry(foldEvents(events)));
      }
      await store.indexChanged();
      const source = await costSourceOf(store);
      const reads: string[] = [];
      const counted = { runs: source.runs, readEvents: (runId: string) => (reads.push(runId), source.readEvents(runId)) };
      const kept = new EndedRunCosts();

      const first = await readCostRecords(counted, {}, kept);
      expect(reads.sort()).toEqual(['run-ended', 'run-running']);
      expect(first.map((record) => record.usd).sort()).toEqual([0.002, 0.003]);
      reads.length = 0;
      const second = await readCostRecords(counted, {}, kept);
      expect(reads).toEqual(['run-running']);
      expect(second).toEqual(first);
      // A later period still filters the kept records by time.
      expect(await readCostRecords(counted, { since: new Date(Date.now() + 60_000) }, kept)).toEqual([]);
      expect(kept.size).toBe(1);
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
