import { describe, expect, it } from 'vitest';
import type { CostEmission, StepEmission } from '../../engine/executor.ts';
import { StreamBatch } from './stream-batch.ts';

const cost = (outputTokens: number, final: boolean): CostEmission => ({ type: 'step.cost', model: 'gpt-4o-mini', inputTokens: 10, outputTokens, usd: outputTokens / 1e6, final, simulated: false });
const nextMacrotask = () => new Promise((resolve) => setImmediate(resolve));

function batchOf(): { batch: StreamBatch; sent: StepEmission[] } {
  const sent: StepEmission[] = [];
  return { batch: new StreamBatch((emission) => sent.push(emission)), sent };
}

describe('stream batch', () => {
  it('sends the deltas and costs of one macrotask as one delta and the latest cost', async () => {
    const { batch, sent } = batchOf();
    batch.emit({ type: 'step.delta', text: 'Hel' });
    batch.emit(cost(1, false));
    batch.emit({ type: 'step.delta', text: 'lo' });
    batch.emit(cost(2, true));
    expect(sent).toEqual([]);
    await nextMacrotask();
    expect(sent).toEqual([{ type: 'step.delta', text: 'Hello' }, cost(2, true)]);
  });

  it('sends what is queued before any other emission, keeping the order', async () => {
    const { batch, sent } = batchOf();
    batch.emit({ type: 'step.delta', text: 'a' });
    batch.emit({ type: 'step.log', level: 'warn', text: 'retrying' });
    batch.emit({ type: 'step.delta', text: 'b' });
    batch.flush();
    expect(sent.map((emission) => emission.type)).toEqual(['step.delta', 'step.log', 'step.delta']);
    await nextMacrotask();
    expect(sent).toHaveLength(3);
  });

  it('loses no text across batches, and drops a queued estimate when asked', async () => {
    const { batch, sent } = batchOf();
    for (const text of ['one ', 'two ']) batch.emit({ type: 'step.delta', text });
    await nextMacrotask();
    batch.emit({ type: 'step.delta', text: 'three' });
    batch.emit(cost(3, false));
    batch.dropCost();
    batch.flush();
    expect(sent).toEqual([
      { type: 'step.delta', text: 'one two ' },
      { type: 'step.delta', text: 'three' },
    ]);
  });
});
