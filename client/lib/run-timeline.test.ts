import { describe, expect, it } from 'vitest';
import { triageRunEvents } from '../../shared/testing/run-events.ts';
import { buildTimeline, busyMs } from './run-timeline.ts';

const second = 1000;

describe('buildTimeline', () => {
  const timeline = buildTimeline(triageRunEvents());
  const row = (nodeId: string) => timeline.rows.find((candidate) => candidate.nodeId === nodeId)!;

  it('spans the run from run.started to its end', () => {
    expect(timeline.endMs - timeline.startMs).toBe(22 * second);
    expect(timeline.rows.map((candidate) => candidate.nodeId)).toEqual(['ticket', 'classify', 'local', 'review', 'result']);
  });

  it('keeps a retried step as separate attempts, each with what it spent', () => {
    const attempts = row('classify').attempts;
    expect(attempts.map((attempt) => [attempt.attempt, attempt.outcome])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
    expect(attempts[0]).toMatchObject({ costUsd: 0, inputTokens: 0 });
    expect(attempts[1]).toMatchObject({ costUsd: 0.00025, inputTokens: 100, outputTokens: 20 });
    expect(attempts[1]!.startMs - timeline.startMs).toBe(5 * second);
    expect(row('local').attempts[0]!.costUsd).toBeNull();
  });

  it('marks an attempt whose reply was reused from an earlier run', () => {
    const events = triageRunEvents().map((event) => (event.type === 'step.cost' && event.nodeId === 'classify' ? { ...event, usd: 0, reusedFrom: 'run-0' } : event));
    const reused = buildTimeline(events).rows.find((candidate) => candidate.nodeId === 'classify')!;
    expect(reused.attempts.map((attempt) => attempt.reusedFrom)).toEqual([undefined, 'run-0']);
    expect(row('classify').attempts.map((attempt) => attempt.reusedFrom)).toEqual([undefined, undefined]);
  });

  it('shows a wait for a person as a gap, not as work', () => {
    const review = row('review');
    expect(review.waits).toEqual([{ startMs: timeline.startMs + 14 * second, endMs: timeline.startMs + 18 * second, answer: 'approved by ana: billing' }]);
    const attempt = review.attempts[0]!;
    expect(attempt.endMs! - attempt.startMs).toBe(6 * second);
    expect(busyMs(review, attempt, timeline.endMs)).toBe(2 * second);
  });

  it('leaves a step still going open, and ends the timeline at now', () => {
    const events = triageRunEvents().slice(0, 15);
    const now = Date.parse(events.at(-1)!.at) + 3 * second;
    const open = buildTimeline(events, now);
    expect(open.endMs).toBe(now);
    expect(open.rows.find((candidate) => candidate.nodeId === 'review')!.waits[0]!.endMs).toBeUndefined();
    expect(open.rows.find((candidate) => candidate.nodeId === 'local')!.attempts[0]).toMatchObject({ outcome: 'running' });
    expect(open.rows.find((candidate) => candidate.nodeId === 'local')!.attempts[0]!.endMs).toBeUndefined();
  });
});
