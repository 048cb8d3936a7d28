import { describe, expect, it } from 'vitest';
import { isTerminal, runEventSchema, runEventUnion, TERMINAL_RUN_EVENTS, type RunEvent } from './events.ts';
import { numbered, triageRunEvents, triageRunFlow } from './testing/run-events.ts';

const extraEvents: RunEvent[] = numbered([
  { type: 'run.started', flowId: 'triage', flowHash: 'h', flow: triageRunFlow(), inputs: {} },
  { type: 'step.queue', nodeId: 'local', queued: true },
  { type: 'step.child', nodeId: 'local', childRunId: 'run-child', flowId: 'triage', itemIndex: 3 },
  { type: 'step.progress', nodeId: 'local', done: 3, failed: 1, total: 10 },
  { type: 'step.skipped', nodeId: 'result', reason: 'upstream skipped' },
  { type: 'step.cancelled', nodeId: 'review' },
  { type: 'run.failed', error: { message: 'boom', code: 'provider', nodeId: 'local' }, costUsd: 0.5 },
  { type: 'run.cancelled', costUsd: 0, by: 'ana' },
]);

const samples = [...triageRunEvents(), ...extraEvents];

describe('runEventSchema', () => {
  const allTypes = runEventUnion.options.map((option) => option.shape.type.value);

  it('the samples cover every event type', () => {
    expect(new Set(samples.map((event) => event.type))).toEqual(new Set(allTypes));
    expect(allTypes).toHaveLength(18);
  });

  it.each(samples.map((event) => [event.type, event] as const))('parses a %s event as it is', (_, event) => {
    const parsed = runEventSchema.safeParse(JSON.parse(JSON.stringify(event)));
    expect(parsed.error).toBeUndefined();
    expect(parsed.data).toEqual(event);
  });

  const valid = samples.find((event) => event.type === 'step.cost')!;
  it.each([
    ['an unknown type', { ...valid, type: 'step.exploded' }],
    ['no type', { ...valid, type: undefined }],
    ['seq 0', { ...valid, seq: 0 }],
    ['a fractional seq', { ...valid, seq: 1.5 }],
    ['no runId', { ...valid, runId: '' }],
    ['no nodeId', { ...valid, nodeId: undefined }],
    ['negative tokens', { ...valid, inputTokens: -1 }],
    ['a negative price', { ...valid, usd: -0.01 }],
    ['a price as text', { ...valid, usd: '0.01' }],
    ['no final flag', { ...valid, final: undefined }],
  ])('refuses a step.cost event with %s', (_, event) => {
    expect(runEventSchema.safeParse(event).success).toBe(false);
  });

  it('refuses other malformed events', () => {
    const bySeq = (type: string) => samples.find((event) => event.type === type)!;
    expect(runEventSchema.safeParse({ ...bySeq('step.decided'), by: 7 }).success).toBe(false);
    expect(runEventSchema.safeParse({ ...bySeq('step.started'), attempt: 0 }).success).toBe(false);
    expect(runEventSchema.safeParse({ ...bySeq('step.failed'), error: { message: 'no code' } }).success).toBe(false);
    expect(runEventSchema.safeParse({ ...bySeq('step.log'), level: 'fatal' }).success).toBe(false);
    expect(runEventSchema.safeParse({ ...bySeq('run.started'), flow: { ...triageRunFlow(), schemaVersion: 2 } }).success).toBe(false);
    expect(runEventSchema.safeParse({ ...bySeq('run.succeeded'), costUsd: -1 }).success).toBe(false);
    expect(runEventSchema.safeParse(null).success).toBe(false);
  });

  it('accepts an unpriced cost (usd null)', () => {
    expect(runEventSchema.safeParse({ ...valid, usd: null }).success).toBe(true);
  });
});

describe('terminal events', () => {
  it('are the three run endings', () => {
    expect([...TERMINAL_RUN_EVENTS].sort()).toEqual(['run.cancelled', 'run.failed', 'run.succeeded']);
    expect(samples.filter(isTerminal).map((event) => event.type)).toEqual(['run.succeeded', 'run.failed', 'run.cancelled']);
  });
});

describe('logs written before waits were generic', () => {
  const legacy = { runId: 'r', seq: 9, at: '2025-01-01T00:00:00.000Z', type: 'step.decided', nodeId: 'review', by: 'ana' };

  it('reads an approval decision spread over step.decided as the approval answer', () => {
    expect(runEventSchema.parse({ ...legacy, decision: 'approve', comment: 'ok', payload: { a: 1 }, edited: true })).toEqual({
      ...legacy,
      answer: { decision: 'approve', comment: 'ok', payload: { a: 1 } },
    });
    expect(runEventSchema.parse({ ...legacy, decision: 'reject', edited: false })).toEqual({ ...legacy, answer: { decision: 'reject' } });
    // A payload recorded without edited: true was the one under review, not an edit.
    expect(runEventSchema.parse({ ...legacy, decision: 'approve', payload: 'x', edited: false })).toEqual({ ...legacy, answer: { decision: 'approve' } });
  });

  it('leaves current events as they are', () => {
    const current = { ...legacy, answer: { decision: 'approve' } };
    expect(runEventSchema.parse(current)).toEqual(current);
  });
});
