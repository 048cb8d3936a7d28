import { describe, expect, it } from 'vitest';
import type { StepEmission } from '../engine/executor.ts';
import { StepCostMeter } from './step-cost-meter.ts';

const priced = { model: 'm', provider: 'p', simulated: false, price: { inputPerMillion: 1, outputPerMillion: 2 } };
const oneTokenPerWord = (text: string) => text.split(/\s+/).filter(Boolean).length;

function meter(resolved = priced) {
  const emitted: Array<Extract<StepEmission, { type: 'step.cost' }>> = [];
  let clock = 0;
  const instance = new StepCostMeter((emission) => emission.type === 'step.cost' && emitted.push(emission), resolved, oneTokenPerWord, { everyTokens: 3, everyMs: 100, now: () => clock });
  return { instance, emitted, tick: (ms: number) => (clock += ms) };
}

describe('StepCostMeter', () => {
  it('emits estimates every few tokens, then the final usage', () => {
    const { instance, emitted } = meter();
    instance.begin(10);
    for (const word of ['a ', 'b ', 'c ', 'd ', 'e ', 'f ', 'g ']) instance.delta(word);
    expect(emitted.map((cost) => [cost.outputTokens, cost.final])).toEqual([[3, false], [6, false]]);
    expect(emitted[0]!.usd).toBeCloseTo((10 * 1 + 3 * 2) / 1e6, 15);
    instance.usage({ inputTokens: 11, cachedInputTokens: 0, outputTokens: 7 });
    instance.end(true);
    expect(emitted.at(-1)).toMatchObject({ inputTokens: 11, outputTokens: 7, final: true, simulated: false });
  });

  it('tells what a stopped step spent so far: settled requests plus the open one, as an estimate', () => {
    const { instance } = meter();
    expect(instance.costSoFar()).toBeUndefined();
    instance.begin(10);
    instance.usage({ inputTokens: 10, cachedInputTokens: 0, outputTokens: 5 });
    instance.end(true);
    expect(instance.costSoFar()).toBeUndefined();
    instance.begin(20);
    instance.delta('one two ');
    instance.delta('three');
    expect(instance.costSoFar()).toMatchObject({ inputTokens: 30, outputTokens: 8, final: false });
    expect(instance.costSoFar()!.usd).toBeCloseTo((30 * 1 + 8 * 2) / 1e6, 15);
  });

  it('emits an estimate when time passes even if few tokens arrive', () => {
    const { instance, emitted, tick } = meter();
    instance.begin(1);
    instance.delta('a');
    expect(emitted).toHaveLength(0);
    tick(150);
    instance.delta('b');
    expect(emitted).toHaveLength(1);
  });

  it('adds requests up, so each emission is the whole step so far', () => {
    const { instance, emitted } = meter();
    instance.begin(10);
    instance.usage({ inputTokens: 10, cachedInputTokens: 0, outputTokens: 5 });
    instance.end(true);
    instance.begin(20);
    instance.usage({ inputTokens: 20, cachedInputTokens: 2, outputTokens: 4 });
    instance.end(true);
    expect(emitted.at(-1)).toMatchObject({ inputTokens: 30, cachedInputTokens: 2, outputTokens: 9, final: true });
  });

  it('settles nothing for a request that never got an answer, and null usd when unpriced', () => {
    const unpriced = meter({ ...priced, price: undefined } as never);
    unpriced.instance.begin(10);
    unpriced.instance.end(false);
    expect(unpriced.emitted).toHaveLength(0);
    unpriced.instance.begin(10);
    unpriced.instance.delta('a b');
    unpriced.instance.end(true);
    expect(unpriced.emitted.at(-1)).toMatchObject({ usd: null, inputTokens: 10, outputTokens: 2, final: true });
  });

  it('throttles estimates while deltas pour in, and still emits the final figure', () => {
    const { instance, emitted } = meter();
    instance.begin(10);
    // 3 words per estimate at most: 100 one-word deltas within the same millisecond.
    for (let index = 0; index < 100; index++) instance.delta('w ');
    const estimates = emitted.filter((cost) => !cost.final);
    expect(estimates.length).toBeLessThanOrEqual(34);
    instance.usage({ inputTokens: 12, cachedInputTokens: 0, outputTokens: 100 });
    instance.end(true);
    expect(emitted.filter((cost) => cost.final)).toEqual([expect.objectContaining({ inputTokens: 12, outputTokens: 100, final: true })]);
    expect(emitted.at(-1)!.final).toBe(true);
  });
});
