import { describe, expect, it } from 'vitest';
import { runEventSchema } from '../../shared/events.ts';
import { foldEvents } from '../../shared/run-state.ts';
import type { ApprovalRequest } from '../../shared/kinds/approval.ts';
import { StepFailure } from './executor.ts';
import { DecisionError, resumeRun, startRun } from './index.ts';
import { assertGapless, deferred, field, flowOf, harness, nodes } from './testing/engine-harness.ts';

const linear = () =>
  flowOf(
    [nodes.input('in', [field('text')]), nodes.code('upper', [field('text')], [field('text')]), nodes.output('out', [field('text')])],
    [
      ['in.text', 'upper.text'],
      ['upper.text', 'out.text'],
    ],
  );

describe('engine: values, order and log', () => {
  it('moves values along wires and records every change of state with gapless seq', async () => {
    const h = harness({ upper: (context) => ({ text: String(context.inputs.text).toUpperCase() }) });
    const run = startRun('r1', linear(), { text: 'hello' }, h.options);
    expect(await run.settled()).toBe('succeeded');
    assertGapless(h.events);
    expect(h.types()).toEqual([
      'run.started',
      'step.started:in',
      'step.succeeded:in',
      'step.started:upper',
      'step.succeeded:upper',
      'step.started:out',
      'step.succeeded:out',
      'run.succeeded',
    ]);
    expect(h.of('run.succeeded')[0]!.outputs).toEqual({ text: 'HELLO' });
    expect(h.of('step.started')[1]!.inputs).toEqual({ text: 'hello' });
    const state = foldEvents(h.events);
    expect(state.status).toBe('succeeded');
    expect(Object.values(state.steps).map((step) => step.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });

  it('runs independent branches concurrently', async () => {
    // Each branch waits until both have started: run one at a time and neither would ever finish.
    const started = { a: deferred(), b: deferred() };
    const flow = flowOf(
      [
        nodes.input('in', [field('text')]),
        nodes.code('a', [field('text')], [field('text')]),
        nodes.code('b', [field('text')], [field('text')]),
        nodes.output('out', [field('a'), field('b')]),
      ],
      [
        ['in.text', 'a.text'],
        ['in.text', 'b.text'],
        ['a.text', 'out.a'],
        ['b.text', 'out.b'],
      ],
    );
    const h = harness({
      a: async (context) => {
        started.a.resolve();
        await started.b.promise;
        return { text: `${context.inputs.text}-a` };
      },
      b: async (context) => {
        started.b.resolve();
        await started.a.promise;
        return { text: `${context.inputs.text}-b` };
      },
    });
    const run = startRun('r2', flow, { text: 'x' }, h.options);
    expect(await run.settled()).toBe('succeeded');
    expect(h.of('run.succeeded')[0]!.outputs).toEqual({ a: 'x-a', b: 'x-b' });
    const order = h.types();
    expect(order.indexOf('step.started:b')).toBeLessThan(order.indexOf('step.succeeded:a'));
  });

  it('skips the downstream of a port that does not fire, and the output collects what arrived', async () => {
    const flow = flowOf(
      [
        nodes.input('in', [field('n', 'number')]),
        nodes.code('route', [field('n', 'number')], [field('small', 'number'), field('big', 'number')]),
        nodes.code('double', [field('n', 'number')], [field('n', 'number')]),
        nodes.code('halve', [field('n', 'number')], [field('n', 'number')]),
        nodes.output('out', [field('doubled', 'number'), field('halved', 'number')]),
      ],
      [
        ['in.n', 'route.n'],
        ['route.small', 'double.n'],
        ['route.big', 'halve.n'],
        ['double.n', 'out.doubled'],
        ['halve.n', 'out.halved'],
      ],
    );
    const h = harness({
      route: (context) => ((context.inputs.n as number) < 10 ? { small: context.inputs.n } : { big: context.inputs.n }),
      double: (context) => ({ n: (context.inputs.n as number) * 2 }),
      halve: (context) => ({ n: (context.inputs.n as number) / 2 }),
    });
    const run = startRun('r3', flow, { n: 4 }, h.options);
    expect(await run.settled()).toBe('succeeded');
    const skipped = h.of('step.skipped');
    expect(skipped.map((event) => event.nodeId)).toEqual(['halve']);
    expect(skipped[0]!.reason).toBe('route.big did not fire');
    expect(h.of('run.succeeded')[0]!.outputs).toEqual({ doubled: 8 });
    expect(h.calls.get('halve')).toBeUndefined();
  });

  it('skips an output node when nothing reaches it, and skips transitively', async () => {
    const flow = flowOf(
      [
        nodes.input('in', [field('text')]),
        nodes.code('gate', [field('text')], [field('pass')]),
        nodes.code('next', [field('text')], [field('text')]),
        nodes.output('out', [field('text')]),
      ],
      [
        ['in.text', 'gate.text'],
        ['gate.pass', 'next.text'],
        ['next.text', 'out.text'],
      ],
    );
    const h = harness({ gate: () => ({}) });
    const run = startRun('r4', flow, { text: 'x' }, h.options);
    expect(await run.settled()).toBe('succeeded');
    expect(h.of('step.skipped').map((event) => event.nodeId)).toEqual(['next', 'out']);
    expect(h.of('run.succeeded')[0]!.outputs).toEqual({});
  });
});

describe('engine: failure, cancel, timeouts and types', () => {
  const fanOut = () =>
    flowOf(
      [
        nodes.input('in', [field('text')]),
        nodes.code('slow', [field('text')], [field('text')]),
        nodes.code('broken', [field('text')], [field('text')]),
        nodes.output('out', [field('a'), field('b')]),
      ],
      [
        ['in.text', 'slow.text'],
        ['in.text', 'broken.text'],
        ['slow.text', 'out.a'],
        ['broken.text', 'out.b'],
      ],
    );

  it('a failing step fails the run and cancels its running siblings', async () => {
    let siblingAborted = false;
    const slowListening = deferred();
    const h = harness({
      slow: (context) =>
        new Promise((_, reject) => {
          context.signal.addEventListener('abort', () => {
            siblingAborted = true;
            reject(new StepFailure('cancelled', 'aborted'));
          });
          slowListening.resolve();
        }),
      broken: async () => {
        await slowListening.promise;
        throw new StepFailure('code-error', 'something broke');
      },
    });
    const run = startRun('r5', fanOut(), { text: 'x' }, h.options);
    expect(await run.settled()).toBe('failed');
    expect(siblingAborted).toBe(true);
    expect(h.of('step.failed')[0]).toMatchObject({ nodeId: 'broken', error: { code: 'code-error', message: 'something broke' } });
    expect(h.of('step.cancelled').map((event) => event.nodeId)).toEqual(['slow']);
    expect(h.of('run.failed')[0]!.error).toMatchObject({ nodeId: 'broken', message: 'something broke' });
    expect(h.types().at(-1)).toBe('run.failed');
    assertGapless(h.events);
    expect(foldEvents(h.events).steps.slow!.status).toBe('cancelled');
  });

  it('cancel stops the run, aborts running steps and records who cancelled', async () => {
    const aborted = deferred();
    const h = harness({
      slow: (context) =>
        new Promise(() => {
          context.signal.addEventListener('abort', () => aborted.resolve());
        }),
      broken: () => new Promise(() => undefined),
    });
    const run = startRun('r6', fanOut(), { text: 'x' }, h.options);
    await Promise.all([h.entered('slow'), h.entered('broken')]);
    run.cancel('ada');
    await aborted.promise;
    expect(await run.settled()).toBe('cancelled');
    expect(h.of('run.cancelled')[0]).toMatchObject({ by: 'ada', costUsd: 0 });
    expect(h.of('step.cancelled').map((event) => event.nodeId).sort()).toEqual(['broken', 'slow']);
    run.cancel('again');
    expect(h.of('run.cancelled')).toHaveLength(1);
  });

  it('a step that outlives its executor timeout fails with a timeout', async () => {
    const h = harness({ slow: () => new Promise(() => undefined) });
    const flow = flowOf(
      [nodes.input('in', [field('text')]), nodes.code('slow', [field('text')], [field('text')]), nodes.output('out', [field('text')])],
      [
        ['in.text', 'slow.text'],
        ['slow.text', 'out.text'],
      ],
    );
    (h.options.executors.code as { timeoutMs?: () => number }).timeoutMs = () => 30;
    const run = startRun('r7', flow, { text: 'x' }, h.options);
    expect(await run.settled()).toBe('failed');
    expect(h.of('step.failed')[0]!.error).toEqual({ code: 'timeout', message: 'step "slow" timed out after 30 ms' });
  });

  it('a step returning a number on a string port fails with a message that says so', async () => {
    const h = harness({ upper: () => ({ text: 42 }) });
    const run = startRun('r8', linear(), { text: 'x' }, h.options);
    expect(await run.settled()).toBe('failed');
    expect(h.of('step.failed')[0]!.error).toEqual({ code: 'port-type', message: 'node "upper": output "text" expects string but got number' });
    expect(h.calls.get('out')).toBeUndefined();
  });

  it('a step returning a port it does not have fails', async () => {
    const h = harness({ upper: () => ({ text: 'ok', surprise: 1 }) });
    const run = startRun('r9', linear(), { text: 'x' }, h.options);
    expect(await run.settled()).toBe('failed');
    expect(h.of('step.failed')[0]!.error.code).toBe('unknown-output');
  });

  it('a value breaking the target port schema fails the receiving step', async () => {
    const flow = flowOf(
      [
        nodes.input('in', [field('text')]),
        nodes.code('make', [field('text')], [field('doc', 'json')]),
        nodes.code('use', [{ name: 'doc', type: 'json', schema: { type: 'object', required: ['id'] } } as never], [field('ok', 'boolean')]),
        nodes.output('out', [field('ok', 'boolean')]),
      ],
      [
        ['in.text', 'make.text'],
        ['make.doc', 'use.doc'],
        ['use.ok', 'out.ok'],
      ],
    );
    const h = harness({ make: () => ({ doc: { name: 'no id' } }), use: () => ({ ok: true }) });
    const run = startRun('r10', flow, { text: 'x' }, h.options);
    expect(await run.settled()).toBe('failed');
    const failure = h.of('step.failed')[0]!;
    expect(failure.nodeId).toBe('use');
    expect(failure.error.code).toBe('port-type');
    expect(failure.error.message).toContain('"doc"');
    expect(h.calls.get('use')).toBeUndefined();
  });
});

describe('engine: approvals and resume', () => {
  const approvalFlow = () =>
    flowOf(
      [
        nodes.input('in', [field('amount', 'number')]),
        nodes.code('prepare', [field('amount', 'number')], [field('invoice', 'json')]),
        nodes.approval('manager', { allowEdit: true }),
        nodes.output('out', [field('approved', 'any'), field('rejected')]),
      ],
      [
        ['in.amount', 'prepare.amount'],
        ['prepare.invoice', 'manager.payload'],
        ['manager.approved', 'out.approved'],
        ['manager.rejected', 'out.rejected'],
      ],
    );

  it('waits for a person, applies one decision and refuses a second', async () => {
    const h = harness({ prepare: (context) => ({ invoice: { amount: context.inputs.amount } }) });
    const run = startRun('r11', approvalFlow(), { amount: 5000 }, h.options);
    expect(await run.settled()).toBe('waiting');
    expect(run.status).toBe('waiting');
    expect(run.waitingSteps()).toEqual([{ nodeId: 'manager', request: { title: 'Approve manager?', payload: { amount: 5000 }, allowEdit: true } }]);
    expect(foldEvents(h.events).status).toBe('waiting');
    run.decide('manager', { decision: 'approve', by: 'grace', comment: 'fine', payload: { amount: 4500 } });
    expect(() => run.decide('manager', { decision: 'reject', by: 'eve' })).toThrow(DecisionError);
    expect(await run.settled()).toBe('succeeded');
    expect(h.of('step.decided')).toHaveLength(1);
    expect(h.of('step.decided')[0]).toMatchObject({ by: 'grace', answer: { decision: 'approve', comment: 'fine', payload: { amount: 4500 } } });
    expect(h.of('run.succeeded')[0]!.outputs).toEqual({ approved: { amount: 4500 } });
    expect(h.of('step.skipped').map((event) => event.nodeId)).toEqual([]);
  });

  it('a rejection fires only the rejected port with its comment', async () => {
    const h = harness({ prepare: (context) => ({ invoice: { amount: context.inputs.amount } }) });
    const run = startRun('r12', approvalFlow(), { amount: 1 }, h.options);
    await run.settled();
    run.decide('manager', { decision: 'reject', by: 'grace', comment: 'duplicate invoice' });
    expect(await run.settled()).toBe('succeeded');
    expect(h.of('run.succeeded')[0]!.outputs).toEqual({ rejected: 'duplicate invoice' });
  });

  it('refuses decisions that do not apply, changing nothing', async () => {
    const h = harness({ prepare: (context) => ({ invoice: { amount: context.inputs.amount } }) });
    const flow = approvalFlow();
    const run = startRun('r13', flow, { amount: 1 }, h.options);
    await run.settled();
    const before = h.events.length;
    expect(() => run.decide('nope', { decision: 'approve', by: 'x' })).toThrow(expect.objectContaining({ code: 'unknown-step' }));
    expect(() => run.decide('prepare', { decision: 'approve', by: 'x' })).toThrow(expect.objectContaining({ code: 'not-waiting' }));
    expect(() => run.decide('manager', { decision: 'reject', by: 'x', payload: { a: 1 } })).toThrow(expect.objectContaining({ code: 'invalid-decision' }));
    expect(h.events.length).toBe(before);
  });

  it('a run stopped at an approval continues from its log in a fresh engine, running no step twice', async () => {
    const first = harness({ prepare: (context) => ({ invoice: { amount: context.inputs.amount } }) });
    const run = startRun('r14', approvalFlow(), { amount: 5000 }, first.options);
    expect(await run.settled()).toBe('waiting');
    const log = [...first.events];

    // A new process: only the log survives.
    const second = harness({ prepare: () => { throw new Error('prepare must not run again'); } });
    second.calls.clear();
    const resumed = resumeRun(log, { ...second.options, onEvent: (event) => second.events.push(event) });
    expect(resumed.status).toBe('waiting');
    expect(second.events).toEqual([]);
    resumed.decide('manager', { decision: 'approve', by: 'grace' });
    expect(await resumed.settled()).toBe('succeeded');

    const whole = [...log, ...second.events];
    assertGapless(whole);
    const starts = whole.filter((event) => event.type === 'step.started').map((event) => (event as { nodeId: string }).nodeId);
    expect(starts.sort()).toEqual(['in', 'manager', 'out', 'prepare']);
    expect(second.calls.get('prepare')).toBeUndefined();
    expect(second.calls.get('in')).toBeUndefined();
    expect(foldEvents(whole).outputs).toEqual({ approved: { amount: 5000 } });
  });

  it('a decision logged before a crash is applied on resume without asking again', async () => {
    const first = harness({ prepare: (context) => ({ invoice: { amount: context.inputs.amount } }) });
    const run = startRun('r15', approvalFlow(), { amount: 7 }, first.options);
    await run.settled();
    run.decide('manager', { decision: 'reject', by: 'grace', comment: 'no' });
    // The crash lost everything after step.decided.
    const cut = first.events.findIndex((event) => event.type === 'step.decided') + 1;
    const second = harness();
    const resumed = resumeRun(first.events.slice(0, cut), second.options);
    expect(await resumed.settled()).toBe('succeeded');
    expect(second.types()).toEqual(['step.succeeded:manager', 'step.started:out', 'step.succeeded:out', 'run.succeeded']);
    expect(second.of('run.succeeded')[0]!.outputs).toEqual({ rejected: 'no' });
  });

  it('a log written before waits were generic (a flat step.decided) resumes with its decision applied', async () => {
    const first = harness({ prepare: (context) => ({ invoice: { amount: context.inputs.amount } }) });
    const run = startRun('r15b', approvalFlow(), { amount: 8 }, first.options);
    await run.settled();
    run.decide('manager', { decision: 'approve', by: 'grace', payload: { amount: 6 } });
    const cut = first.events.findIndex((event) => event.type === 'step.decided') + 1;
    // As the older engine wrote it to disk.
    const onDisk = first.events.slice(0, cut).map((event) => {
      if (event.type !== 'step.decided') return JSON.stringify(event);
      const { answer, ...rest } = event;
      return JSON.stringify({ ...rest, ...(answer as object), edited: true });
    });
    const second = harness();
    const resumed = resumeRun(onDisk.map((line) => runEventSchema.parse(JSON.parse(line))), second.options);
    expect(await resumed.settled()).toBe('succeeded');
    expect(second.of('run.succeeded')[0]!.outputs).toEqual({ approved: { amount: 6 } });
  });

  it('a step that was running at the crash runs again as its next attempt', async () => {
    const hang = harness({ upper: () => new Promise(() => undefined) });
    startRun('r16', linear(), { text: 'a' }, hang.options);
    await hang.entered('upper');
    const second = harness({ upper: (context) => ({ text: String(context.inputs.text).toUpperCase() }) });
    const resumed = resumeRun(hang.events, second.options);
    expect(await resumed.settled()).toBe('succeeded');
    expect(second.of('step.started')[0]).toMatchObject({ nodeId: 'upper', attempt: 2 });
    expect(second.of('run.succeeded')[0]!.outputs).toEqual({ text: 'A' });
    expect(second.calls.get('in')).toBeUndefined();
  });

  it('an approval deadline decides by itself, and is re-armed after a resume', async () => {
    const h = harness({ prepare: (context) => ({ invoice: { amount: context.inputs.amount } }) });
    const flow = approvalFlow();
    (flow.nodes.find((node) => node.id === 'manager')!.config as Record<string, unknown>).timeoutMs = 1000;
    (flow.nodes.find((node) => node.id === 'manager')!.config as Record<string, unknown>).onTimeout = 'approve';
    let clock = Date.now();
    const run = startRun('r17', flow, { amount: 3 }, { ...h.options, now: () => clock });
    expect(await run.settled()).toBe('waiting');
    const request = h.of('step.waiting')[0]!.request as ApprovalRequest;
    expect(request.onTimeout).toBe('approve');
    run.cancel();

    // Resume the waiting log in an engine whose clock is already past the deadline.
    const log = h.events.slice(0, h.events.findIndex((event) => event.type === 'step.waiting') + 1);
    clock = Date.parse(request.deadline!) + 1;
    const second = harness();
    const resumed = resumeRun(log, { ...second.options, now: () => clock });
    expect(resumed.status).toBe('waiting');
    expect(await resumed.finished()).toBe('succeeded');
    expect(second.of('step.decided')[0]).toMatchObject({ by: 'deadline', answer: { decision: 'approve' } });
  });

  it('refuses a log with a gap', async () => {
    const h = harness();
    await startRun('r18', linear(), { text: 'a' }, h.options).finished();
    const broken = h.events.filter((event) => event.seq !== 2);
    expect(() => resumeRun(broken, harness().options)).toThrow(/gap/);
  });
});
