/** The write-ahead gate (`EngineOptions.durable`): no executor runs, and no answer takes effect, before its event is durable. */
import { describe, expect, it } from 'vitest';
import { resumeRun, startRun } from './index.ts';
import { deferred, field, flowOf, harness, nodes } from './testing/engine-harness.ts';

const linear = () =>
  flowOf(
    [nodes.input('in', [field('text')]), nodes.code('upper', [field('text')], [field('text')]), nodes.output('out', [field('text')])],
    [
      ['in.text', 'upper.text'],
      ['upper.text', 'out.text'],
    ],
  );

/** A gate the test opens by hand: each call waits for the next `open()` (or `fail()`). */
function manualGate() {
  const pending: Array<ReturnType<typeof deferred<void>>> = [];
  return {
    calls: () => pending.length,
    durable: () => {
      const gate = deferred();
      pending.push(gate);
      return gate.promise;
    },
    open: () => pending.splice(0).forEach((gate) => gate.resolve()),
    fail: (error: Error) => pending.splice(0).forEach((gate) => gate.reject(error)),
  };
}

const flushed = () => new Promise((resolve) => setImmediate(resolve));

describe('write-ahead gate', () => {
  it('calls an executor only once the step.started event of its attempt is durable', async () => {
    const gate = manualGate();
    const h = harness({ upper: (context) => ({ text: String(context.inputs.text).toUpperCase() }) }, { durable: gate.durable });
    const run = startRun('w1', linear(), { text: 'hi' }, h.options);
    expect(h.types()).toEqual(['run.started', 'step.started:in']);
    await flushed();
    expect(h.calls.get('in')).toBeUndefined();
    gate.open();
    await flushed();
    expect(h.calls.get('in')).toBe(1);
    expect(h.types().at(-1)).toBe('step.started:upper');
    expect(h.calls.get('upper')).toBeUndefined();
    gate.open();
    await flushed();
    expect(h.calls.get('upper')).toBe(1);
    gate.open();
    expect(await run.finished()).toBe('succeeded');
    expect(h.of('run.succeeded')[0]!.outputs).toEqual({ text: 'HI' });
  });

  it('never calls the executor when the store failed: the step and the run fail instead', async () => {
    const gate = manualGate();
    const h = harness({}, { durable: gate.durable });
    const run = startRun('w2', linear(), { text: 'hi' }, h.options);
    await flushed();
    gate.fail(new Error('disk full'));
    expect(await run.finished()).toBe('failed');
    expect(h.calls.get('in')).toBeUndefined();
    expect(h.of('step.failed')[0]).toMatchObject({ nodeId: 'in', error: { code: 'store', message: expect.stringContaining('disk full') } });
  });

  it('applies a decision only once step.decided is durable', async () => {
    const flow = flowOf(
      [nodes.input('in', [field('text')]), nodes.approval('review'), nodes.output('out', [field('approved', 'any'), field('rejected')])],
      [
        ['in.text', 'review.payload'],
        ['review.approved', 'out.approved'],
        ['review.rejected', 'out.rejected'],
      ],
    );
    const gate = manualGate();
    const h = harness({}, { durable: gate.durable });
    const run = startRun('w3', flow, { text: 'hi' }, h.options);
    while (run.status !== 'waiting') {
      gate.open();
      await flushed();
    }
    run.decide('review', { decision: 'approve', by: 'ana' });
    expect(h.types().at(-1)).toBe('step.decided:review');
    await flushed();
    expect(h.of('step.succeeded').map((event) => event.nodeId)).toEqual(['in']);
    gate.open();
    await flushed();
    expect(h.of('step.succeeded').map((event) => event.nodeId)).toEqual(['in', 'review']);

    gate.open();
    expect(await run.finished()).toBe('succeeded');
  });

  it('never applies a decision whose step.decided the store could not keep', async () => {
    const flow = flowOf(
      [nodes.input('in', [field('text')]), nodes.approval('review'), nodes.output('out', [field('approved', 'any'), field('rejected')])],
      [
        ['in.text', 'review.payload'],
        ['review.approved', 'out.approved'],
        ['review.rejected', 'out.rejected'],
      ],
    );
    const gate = manualGate();
    const h = harness({}, { durable: gate.durable });
    const run = startRun('w4', flow, { text: 'hi' }, h.options);
    while (run.status !== 'waiting') {
      gate.open();
      await flushed();
    }
    run.decide('review', { decision: 'reject', by: 'ana', comment: 'no' });
    gate.fail(new Error('read-only file system'));
    expect(await run.finished()).toBe('failed');
    expect(h.of('step.succeeded').map((event) => event.nodeId)).toEqual(['in']);
    expect(h.of('step.failed')[0]).toMatchObject({ nodeId: 'review', error: { code: 'store' } });
  });
});
