import { describe, expect, it } from 'vitest';
import type { RunEvent, RunEventBody } from './events.ts';
import { applyEvent, emptyStep, foldEvents, initialRunState, reduceRun, type RunState } from './run-state.ts';
import { flow } from './testing/flow-builder.ts';
import { numbered, RUN_ID, triageRunBodies, triageRunEvents, triageRunFlow } from './testing/run-events.ts';

function upTo(seq: number): RunEvent[] {
  return triageRunEvents().slice(0, seq);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

describe('foldEvents over a whole log', () => {
  const state = foldEvents(triageRunEvents());

  it('holds the run: id, flow, inputs, outputs, times and last seq', () => {
    expect(state).toMatchObject({
      runId: RUN_ID,
      flowId: 'triage',
      flowHash: 'abc123',
      status: 'succeeded',
      inputs: { text: 'My invoice is wrong' },
      outputs: { reviewed: 'billing', note: 'Billing' },
      startedAt: '2025-01-01T12:00:00.000Z',
      endedAt: '2025-01-01T12:00:22.000Z',
      lastSeq: 23,
    });
    expect(state.flow).toEqual(triageRunFlow());
    expect(state.error).toBeUndefined();
  });

  it('gives each step its final status', () => {
    expect(Object.fromEntries(Object.values(state.steps).map((step) => [step.nodeId, step.status]))).toEqual({
      ticket: 'succeeded',
      classify: 'succeeded',
      review: 'succeeded',
      local: 'succeeded',
      result: 'succeeded',
    });
  });

  it('keeps the latest attempt of a retried step, without the earlier error', () => {
    const classify = state.steps.classify!;
    expect(classify.attempt).toBe(2);
    expect(classify.error).toBeUndefined();
    expect(classify.startedAt).toBe('2025-01-01T12:00:05.000Z');
    expect(classify.text).toBe('not sure');
    expect(classify.outputs).toEqual({ unsure: 'two categories fit' });
    expect(classify.prompt).toEqual({ model: 'gpt-4o-mini', simulated: true, messages: [{ role: 'user', content: 'My invoice is wrong' }] });
  });

  it('settles costs from the last cost event per step; an unpriced step counts as unpriced, not $0', () => {
    expect(state.steps.classify).toMatchObject({ costUsd: 0.00025, costFinal: true, inputTokens: 100, outputTokens: 20, model: 'gpt-4o-mini', simulated: true });
    expect(state.steps.local).toMatchObject({ costUsd: null, costFinal: true, inputTokens: 50, outputTokens: 5, model: 'llama3.1:8b' });
    expect(state.costUsd).toBeCloseTo(0.00025, 12);
    expect(state.hasUnpriced).toBe(true);
    expect(state.simulated).toBe(true);
  });

  it('records the approval request and the decision', () => {
    expect(state.steps.review!.request).toEqual({ title: 'Approve this?', payload: 'two categories fit', allowEdit: false });
    expect(state.steps.review!.decision).toEqual({ by: 'ana', answer: { decision: 'approve', comment: 'billing' }, at: '2025-01-01T12:00:18.000Z' });
  });

  it('records logs, durations and the output step\'s result', () => {
    expect(state.steps.local!.logs).toEqual([{ level: 'info', text: 'calling a local model', at: '2025-01-01T12:00:15.000Z' }]);
    expect(state.steps.review!.durationMs).toBe(60_000);
    expect(state.steps.result!.result).toEqual({ reviewed: 'billing', note: 'Billing' });
    expect(state.steps.result!.endedAt).toBe('2025-01-01T12:00:21.000Z');
  });
});

describe('foldEvents part way', () => {
  it('creates a pending step for every node when the run starts', () => {
    const state = foldEvents(upTo(1));
    expect(state.status).toBe('running');
    expect(Object.keys(state.steps).sort()).toEqual(['classify', 'local', 'result', 'review', 'ticket']);
    expect(state.steps.review).toEqual(emptyStep('review'));
  });

  it('marks a running step queued while it waits for a sandbox worker, until it has one or ends', () => {
    const started = triageRunBodies().slice(0, 13); // ... step.started local
    const queued = (value: boolean): RunEventBody => ({ type: 'step.queue', nodeId: 'local', queued: value });
    expect(foldEvents(numbered([...started, queued(true)])).steps.local).toMatchObject({ status: 'running', queued: true });
    expect(foldEvents(numbered([...started, queued(true), queued(false)])).steps.local!.queued).toBeUndefined();
    const ended: RunEventBody = { type: 'step.cancelled', nodeId: 'local' };
    expect(foldEvents(numbered([...started, queued(true), ended])).steps.local!.queued).toBeUndefined();
  });

  it('shows a failed attempt until the retry starts', () => {
    const state = foldEvents(upTo(5));
    expect(state.steps.classify).toMatchObject({ status: 'failed', attempt: 1, error: { code: 'timeout', retryable: true }, durationMs: 30_000 });
    expect(state.status).toBe('running');
  });

  it('counts an estimate that is not final yet', () => {
    const state = foldEvents(upTo(10));
    expect(state.steps.classify).toMatchObject({ costUsd: 0.0001, costFinal: false });
    expect(state.costUsd).toBeCloseTo(0.0001, 12);
    expect(state.hasUnpriced).toBe(false);
  });

  it('stays running while any step runs, even with one waiting for a person', () => {
    const state = foldEvents(upTo(15));
    expect(state.steps.review!.status).toBe('waiting');
    expect(state.steps.local!.status).toBe('running');
    expect(state.status).toBe('running');
  });

  it('is waiting once the only unfinished step waits for a person', () => {
    const state = foldEvents(upTo(18));
    expect(state.steps.local!.status).toBe('succeeded');
    expect(state.status).toBe('waiting');
  });

  it('runs again once the person decides', () => {
    const state = foldEvents(upTo(19));
    expect(state.steps.review!.status).toBe('running');
    expect(state.status).toBe('running');
  });

  it('is unpriced from the unpriced cost event on, to the end', () => {
    expect(foldEvents(upTo(16)).hasUnpriced).toBe(false);
    expect(foldEvents(upTo(17)).hasUnpriced).toBe(true);
    expect(foldEvents(upTo(23)).hasUnpriced).toBe(true);
  });
});

describe('the other endings', () => {
  const started: RunEventBody[] = [
    { type: 'run.started', flowId: 'triage', flowHash: 'h', flow: triageRunFlow(), inputs: {} },
    { type: 'step.started', nodeId: 'review', attempt: 1, inputs: {} },
    { type: 'step.waiting', nodeId: 'review', request: { title: 't', payload: 1, allowEdit: true } },
  ];

  it('a cancelled run is cancelled, with its steps as the events left them', () => {
    const state = foldEvents(numbered([...started, { type: 'step.cancelled', nodeId: 'review' }, { type: 'step.skipped', nodeId: 'result', reason: 'upstream cancelled' }, { type: 'run.cancelled', costUsd: 0, by: 'ana' }]));
    expect(state.status).toBe('cancelled');
    expect(state.steps.review!.status).toBe('cancelled');
    expect(state.steps.result).toMatchObject({ status: 'skipped', skippedReason: 'upstream cancelled' });
    expect(state.endedAt).toBe('2025-01-01T12:00:05.000Z');
  });

  it('a failed run keeps the error and the node it came from', () => {
    const state = foldEvents(numbered([...started, { type: 'run.failed', error: { message: 'boom', code: 'provider', nodeId: 'local' }, costUsd: 0 }]));
    expect(state.status).toBe('failed');
    expect(state.error).toEqual({ message: 'boom', code: 'provider', nodeId: 'local' });
  });

  it('a waiting step does not turn a finished run back to waiting', () => {
    const state = foldEvents(numbered([...started, { type: 'run.cancelled', costUsd: 0 }]));
    expect(state.steps.review!.status).toBe('waiting');
    expect(state.status).toBe('cancelled');
  });
});

describe('node ids that are also names of inherited properties', () => {
  it('a node with the (valid) id "constructor" gets its own step, and nothing is written onto Object', () => {
    const document = flow().input('constructor', { text: 'string' }).output('out', { text: 'string' }).wire('constructor.text', 'out.text').build();
    const keysBefore = new Set(Object.getOwnPropertyNames(Object));
    try {
      const state = foldEvents(
        numbered([
          { type: 'run.started', flowId: 'test-flow', flowHash: 'h', flow: document, inputs: { text: 'a' } },
          { type: 'step.started', nodeId: 'constructor', attempt: 1, inputs: {} },
          { type: 'step.succeeded', nodeId: 'constructor', outputs: { text: 'a' }, durationMs: 1 },
        ]),
      );
      expect(Object.getOwnPropertyNames(Object).filter((key) => !keysBefore.has(key))).toEqual([]);
      expect(Object.keys(state.steps).sort()).toEqual(['constructor', 'out']);
      expect(state.steps.constructor).toMatchObject({ nodeId: 'constructor', status: 'succeeded', outputs: { text: 'a' } });
    } finally {
      for (const key of Object.getOwnPropertyNames(Object)) if (!keysBefore.has(key)) delete (Object as unknown as Record<string, unknown>)[key];
    }
  });
});

describe('sequence checks', () => {
  it('throws on a gap in seq', () => {
    const events = triageRunEvents();
    const withGap = [...events.slice(0, 3), ...events.slice(4)];
    expect(() => foldEvents(withGap)).toThrow('run run-1: event seq 5 follows 3');
  });

  it('throws on a repeated seq', () => {
    const events = triageRunEvents();
    expect(() => foldEvents([...events.slice(0, 3), events[2]!])).toThrow(/event seq 3 follows 3/);
  });

  it('throws when the log does not start at 1', () => {
    expect(() => foldEvents(triageRunEvents().slice(1))).toThrow(/event seq 2 follows 0/);
  });

  it('applyEvent leaves lastSeq alone when it refuses an event', () => {
    const state = foldEvents(upTo(3));
    expect(() => applyEvent(state, triageRunEvents()[4]!)).toThrow();
    expect(state.lastSeq).toBe(3);
  });
});

describe('reduceRun', () => {
  it('reaches the same state as foldEvents', () => {
    const events = triageRunEvents();
    const reduced = events.reduce<RunState>((state, event) => reduceRun(state, event), initialRunState(RUN_ID));
    expect(reduced).toEqual(foldEvents(events));
  });

  it('never changes the previous state (every previous state deep-frozen)', () => {
    let state = deepFreeze(initialRunState(RUN_ID));
    for (const event of triageRunEvents()) {
      const snapshot = structuredClone(state);
      const next = reduceRun(state, event);
      expect(next).not.toBe(state);
      expect(state).toEqual(snapshot);
      state = deepFreeze(next);
    }
    expect(state.status).toBe('succeeded');
  });

  it('shares every step the event did not touch and copies the one it did', () => {
    const events = triageRunEvents();
    const before = foldEvents(events.slice(0, 15));
    const after = reduceRun(before, events[15]!);
    expect(events[15]!.type).toBe('step.log');
    expect(after.steps).not.toBe(before.steps);
    for (const id of ['ticket', 'classify', 'review', 'result']) expect(after.steps[id], id).toBe(before.steps[id]);
    expect(after.steps.local).not.toBe(before.steps.local);
    expect(after.steps.local!.logs).toHaveLength(1);
    expect(before.steps.local!.logs).toHaveLength(0);
  });

  it('leaves every step shared for a run-level event', () => {
    const events = triageRunEvents();
    const before = foldEvents(events.slice(0, 22));
    const after = reduceRun(before, events[22]!);
    expect(after.status).toBe('succeeded');
    expect(before.status).toBe('running');
    for (const id of Object.keys(before.steps)) expect(after.steps[id]).toBe(before.steps[id]);
  });

  it('refuses a gap like applyEvent does', () => {
    const events = triageRunEvents();
    expect(() => reduceRun(foldEvents(events.slice(0, 2)), events[3]!)).toThrow(/seq 4 follows 2/);
  });
});

describe('the fixture log', () => {
  it('has the seq the comments say', () => {
    const types = triageRunBodies().map((body) => body.type);
    expect(types).toHaveLength(23);
    expect(types[0]).toBe('run.started');
    expect(types[22]).toBe('run.succeeded');
  });
});

describe('cost across attempts', () => {
  const bodies = (firstUsd: number | null): RunEventBody[] => {
    return [
      triageRunBodies()[0]!,
      { type: 'step.started', nodeId: 'classify', attempt: 1, inputs: {} },
      { type: 'step.cost', nodeId: 'classify', model: 'gpt-4o-mini', inputTokens: 100, outputTokens: 10, usd: firstUsd, final: false, simulated: false },
      { type: 'step.started', nodeId: 'classify', attempt: 2, inputs: {} },
      { type: 'step.cost', nodeId: 'classify', model: 'gpt-4o-mini', inputTokens: 100, outputTokens: 5, usd: 0.0002, final: false, simulated: false },
      { type: 'step.cost', nodeId: 'classify', model: 'gpt-4o-mini', inputTokens: 100, outputTokens: 20, usd: 0.0003, final: true, simulated: false },
    ];
  };

  it('a step that runs again keeps what its earlier attempt spent, in tokens and dollars', () => {
    const state = foldEvents(numbered(bodies(0.0001)));
    expect(state.steps.classify).toMatchObject({ attempt: 2, inputTokens: 200, outputTokens: 30, costFinal: true });
    expect(state.steps.classify!.costUsd).toBeCloseTo(0.0004, 12);
    expect(state.costUsd).toBeCloseTo(0.0004, 12);
  });

  it('the immutable reducer gives the same totals and leaves earlier states untouched', () => {
    const events = numbered(bodies(0.0001));
    const states = [initialRunState(RUN_ID)];
    for (const event of events) states.push(reduceRun(states.at(-1)!, deepFreeze(event)));
    expect(states.at(-1)!.costUsd).toBeCloseTo(0.0004, 12);
    expect(states[3]!.steps.classify!.costUsd).toBeCloseTo(0.0001, 12);
    expect(states[3]!.steps.classify!.earlierAttempts).toBeUndefined();
  });

  it('an unpriced earlier attempt leaves the step unpriced, not under-counted', () => {
    const state = foldEvents(numbered(bodies(null)));
    expect(state.steps.classify!.costUsd).toBeNull();
    expect(state.hasUnpriced).toBe(true);
  });
});
