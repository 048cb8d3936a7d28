/** Which steps a resumed log quarantines: only those cut off twice and still cut off at its end. */
import { describe, expect, it } from 'vitest';
import type { RunEvent, RunEventBody } from '../shared/events.ts';
import { flowHash } from '../shared/canonical.ts';
import { foldEvents } from '../shared/run-state.ts';
import { findQuarantinedSteps, quarantineEvents } from './run-quarantine.ts';
import { reviewFlow } from './testing/fixture-flows.ts';

const at = '2026-01-01T00:00:00.000Z';

function log(...bodies: RunEventBody[]): RunEvent[] {
  const flow = reviewFlow();
  const all: RunEventBody[] = [{ type: 'run.started', flowId: flow.id, flowHash: flowHash(flow), flow, inputs: { text: 'x' } }, ...bodies];
  return all.map((body, index) => ({ runId: 'run-q', seq: index + 1, at, ...body }) as RunEvent);
}

const started = (nodeId: string, attempt: number): RunEventBody => ({ type: 'step.started', nodeId, attempt, inputs: {} });

describe('findQuarantinedSteps', () => {
  it('re-runs a step cut off once', () => {
    expect(findQuarantinedSteps(log(started('ticket', 1)))).toEqual([]);
  });

  it('quarantines a step cut off twice, naming its attempts', () => {
    const [step] = findQuarantinedSteps(log(started('ticket', 1), started('ticket', 2)));
    expect(step).toMatchObject({ nodeId: 'ticket', attempts: [1, 2], error: { code: 'quarantined' } });
    expect(step!.error.message).toMatch(/step "ticket" was quarantined: the server stopped while it ran 2 times \(attempts 1, 2\)/);
  });

  it('does not count an attempt that reached a wait, a decision or an end, nor a step that is not cut off now', () => {
    expect(findQuarantinedSteps(log(started('ticket', 1), { type: 'step.failed', nodeId: 'ticket', error: { code: 'x', message: 'x' } }, started('ticket', 2)))).toEqual([]);
    expect(findQuarantinedSteps(log(started('review', 1), { type: 'step.waiting', nodeId: 'review', request: { payload: 'x', title: 't' } } as RunEventBody, started('review', 2)))).toEqual([]);
    expect(findQuarantinedSteps(log(started('ticket', 1), started('ticket', 2), { type: 'step.succeeded', nodeId: 'ticket', outputs: { text: 'x' }, durationMs: 1 }))).toEqual([]);
  });

  it('ends the run: the step failed, other running steps cancelled, the run failed with the step error', () => {
    const events = log(started('ticket', 1), started('review', 1), started('ticket', 2));
    const state = foldEvents(events, 'run-q');
    const ending = quarantineEvents(state, findQuarantinedSteps(events), at);
    expect(ending.map((event) => [event.seq, event.type, 'nodeId' in event ? event.nodeId : undefined])).toEqual([
      [5, 'step.failed', 'ticket'],
      [6, 'step.cancelled', 'review'],
      [7, 'run.failed', undefined],
    ]);
    const ended = foldEvents([...events, ...ending], 'run-q');
    expect(ended.status).toBe('failed');
    expect(ended.error).toMatchObject({ code: 'quarantined', nodeId: 'ticket' });
  });
});
