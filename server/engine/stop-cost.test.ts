/**
 * Spending is never lost: a step stopped mid-flight records what it spent before its stop event,
 * and a step that runs again keeps what its earlier attempts spent.
 */
import { describe, expect, it } from 'vitest';
import { foldEvents } from '../../shared/run-state.ts';
import type { CostEmission, StepContext } from './executor.ts';
import { resumeRun, startRun } from './index.ts';
import { assertGapless, field, flowOf, harness, nodes } from './testing/engine-harness.ts';

const chain = () =>
  flowOf(
    [nodes.input('in', [field('text')]), nodes.code('think', [field('text')], [field('text')]), nodes.output('out', [field('text')])],
    [
      ['in.text', 'think.text'],
      ['think.text', 'out.text'],
    ],
  );

const cost = (usd: number, outputTokens: number, final = false): CostEmission => ({
  type: 'step.cost',
  model: 'm',
  inputTokens: 100,
  outputTokens,
  usd,
  final,
  simulated: false,
});

/** A step that streams a first estimate, then keeps spending until it is stopped. */
function streamingUntilStopped(spentAtStop: number) {
  return (context: StepContext) => {
    context.emit(cost(0.001, 10));
    context.onStop(() => cost(spentAtStop, 40));
    return new Promise<Record<string, unknown>>(() => undefined);
  };
}

describe('engine: cost of a stopped step', () => {
  it('cancel records the attempt’s cost so far before step.cancelled, and the run total includes it', async () => {
    const h = harness({ think: streamingUntilStopped(0.004) });
    const run = startRun('c1', chain(), { text: 'x' }, h.options);
    await h.entered('think');
    run.cancel('ada');
    expect(await run.settled()).toBe('cancelled');
    expect(h.types().slice(-3)).toEqual(['step.cost:think', 'step.cancelled:think', 'run.cancelled']);
    expect(h.of('step.cost').at(-1)).toMatchObject({ usd: 0.004, outputTokens: 40, final: false });
    expect(h.of('run.cancelled')[0]!.costUsd).toBeCloseTo(0.004, 12);
    const state = foldEvents(h.events);
    expect(state.costUsd).toBeCloseTo(0.004, 12);
    expect(state.steps.think!).toMatchObject({ status: 'cancelled', outputTokens: 40 });
    assertGapless(h.events);
  });

  it('a timeout records the cost so far before step.failed', async () => {
    const h = harness({ think: streamingUntilStopped(0.003) });
    (h.options.executors.code as { timeoutMs?: () => number }).timeoutMs = () => 20;
    const run = startRun('c2', chain(), { text: 'x' }, h.options);
    expect(await run.settled()).toBe('failed');
    expect(h.types().slice(-3)).toEqual(['step.cost:think', 'step.failed:think', 'run.failed']);
    expect(h.of('run.failed')[0]!.costUsd).toBeCloseTo(0.003, 12);
  });

  it('the hook is dropped once the executor returns: a finished step is not charged again', async () => {
    let stopAsked = 0;
    const h = harness({
      think: (context) => {
        context.onStop(() => {
          stopAsked++;
          return cost(9, 1);
        });
        context.emit(cost(0.002, 5, true));
        return { text: 'done' };
      },
    });
    const run = startRun('c3', chain(), { text: 'x' }, h.options);
    expect(await run.finished()).toBe('succeeded');
    run.cancel();
    expect(stopAsked).toBe(0);
    expect(h.of('run.succeeded')[0]!.costUsd).toBeCloseTo(0.002, 12);
  });

  it('a hook that returns nothing adds no event, and one that throws does not stop the stop', async () => {
    const h = harness({
      think: (context) => {
        context.onStop(() => {
          throw new Error('meter broke');
        });
        return new Promise(() => undefined);
      },
    });
    const run = startRun('c4', chain(), { text: 'x' }, h.options);
    await h.entered('think');
    run.cancel();
    expect(await run.settled()).toBe('cancelled');
    expect(h.of('step.cost')).toHaveLength(0);
    expect(h.types().slice(-2)).toEqual(['step.cancelled:think', 'run.cancelled']);
  });
});

describe('engine: cost across attempts', () => {
  it('a step re-run after a crash keeps what its first attempt spent', async () => {
    const crashed = harness({
      think: (context) => {
        context.emit(cost(0.01, 30));
        return new Promise(() => undefined);
      },
    });
    startRun('c5', chain(), { text: 'x' }, crashed.options);
    await crashed.entered('think');
    const log = [...crashed.events];

    const second = harness({
      think: (context) => {
        context.emit(cost(0.02, 50, true));
        return { text: 'again' };
      },
    });
    const resumed = resumeRun(log, second.options);
    expect(await resumed.finished()).toBe('succeeded');
    expect(second.of('step.started')[0]).toMatchObject({ nodeId: 'think', attempt: 2 });
    expect(second.of('run.succeeded')[0]!.costUsd).toBeCloseTo(0.03, 12);

    const state = foldEvents([...log, ...second.events]);
    expect(state.costUsd).toBeCloseTo(0.03, 12);
    expect(state.steps.think!).toMatchObject({ costUsd: 0.03, inputTokens: 200, outputTokens: 80, attempt: 2 });
  });
});
