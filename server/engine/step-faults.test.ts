/** A step's fault fails the step, never the process: checking, serialising or recording its outputs. */
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../shared/events.ts';
import { startRun } from './index.ts';
import { assertGapless, field, flowOf, harness, nodes } from './testing/engine-harness.ts';

const jsonFlow = () =>
  flowOf(
    [nodes.input('in', [field('text')]), nodes.code('make', [field('text')], [field('data', 'json')]), nodes.output('out', [field('data', 'json')])],
    [
      ['in.text', 'make.text'],
      ['make.data', 'out.data'],
    ],
  );

/** A value every look at which throws, as a check deep in a huge value would. */
const throwing = () =>
  new Proxy(
    {},
    {
      getPrototypeOf: () => {
        throw new RangeError('Maximum call stack size exceeded');
      },
      ownKeys: () => {
        throw new RangeError('Maximum call stack size exceeded');
      },
      get: () => {
        throw new RangeError('Maximum call stack size exceeded');
      },
    },
  );

describe('faults inside the engine', () => {
  it('an output check that throws fails the step with code internal', async () => {
    const h = harness({ make: () => ({ data: throwing() }) });
    const run = startRun('f1', jsonFlow(), { text: 'x' }, h.options);
    expect(await run.finished()).toBe('failed');
    expect(h.of('step.failed')[0]).toMatchObject({ nodeId: 'make', error: { code: 'internal', message: expect.stringContaining('RangeError') } });
    expect(h.of('run.failed')[0]!.error).toMatchObject({ code: 'internal', nodeId: 'make' });
    assertGapless(h.events);
  });

  it('an event the store refuses (it cannot serialise the outputs) fails the step, leaving no gap in the log', async () => {
    const h = harness({ make: () => ({ data: { big: 1 } }) });
    const events: RunEvent[] = [];
    const run = startRun('f2', jsonFlow(), { text: 'x' }, {
      ...h.options,
      onEvent: (event) => {
        if (event.type === 'step.succeeded' && event.nodeId === 'make') throw new TypeError('Do not know how to serialize a BigInt');
        events.push(event);
      },
    });
    expect(await run.finished()).toBe('failed');
    expect(events.map((event) => event.type + ('nodeId' in event ? `:${event.nodeId}` : ''))).toEqual([
      'run.started',
      'step.started:in',
      'step.succeeded:in',
      'step.started:make',
      'step.failed:make',
      'run.failed',
    ]);
    expect(events.find((event) => event.type === 'step.failed')).toMatchObject({ error: { code: 'internal', message: expect.stringContaining('BigInt') } });
    assertGapless(events);
  });
});
