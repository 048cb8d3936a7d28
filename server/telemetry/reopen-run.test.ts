/** Which logged events a new process replays to rebuild a resumed run's open spans. */
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../shared/events.ts';
import { echoFlow } from '../testing/fixture-flows.ts';
import { eventsToReopen } from './reopen-run.ts';

const at = '2026-01-01T00:00:00.000Z';
const log = (...events: Array<Record<string, unknown>>): RunEvent[] => events.map((event, index) => ({ runId: 'r', seq: index + 1, at, ...event }) as RunEvent);
const started = { type: 'run.started', flowId: 'echo', flowHash: 'h', flow: echoFlow(), inputs: {} };

describe('eventsToReopen', () => {
  it('keeps run.started and the events of step attempts not ended, without waits already decided', () => {
    const history = log(
      started,
      { type: 'step.started', nodeId: 'a', attempt: 1, inputs: {} },
      { type: 'step.succeeded', nodeId: 'a', outputs: {} },
      { type: 'step.started', nodeId: 'b', attempt: 1, inputs: {} },
      { type: 'step.waiting', nodeId: 'b', request: {} },
      { type: 'step.decided', nodeId: 'b', by: 'user', answer: {} },
      { type: 'step.started', nodeId: 'c', attempt: 1, inputs: {} },
      { type: 'step.failed', nodeId: 'c', error: { message: 'x', code: 'timeout' } },
      { type: 'step.started', nodeId: 'c', attempt: 2, inputs: {} },
      { type: 'step.waiting', nodeId: 'c', request: {} },
    );
    expect(eventsToReopen(history).map((event) => event.seq)).toEqual([1, 4, 9, 10]);
  });

  it('rebuilds nothing for an ended run or a log without its start', () => {
    expect(eventsToReopen(log(started, { type: 'step.started', nodeId: 'a', attempt: 1, inputs: {} }, { type: 'run.failed', error: { message: 'x', code: 'interrupted' }, costUsd: 0 }))).toEqual([]);
    expect(eventsToReopen(log({ type: 'step.started', nodeId: 'a', attempt: 1, inputs: {} }))).toEqual([]);
  });
});
