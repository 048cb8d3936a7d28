/**
 * The run loop's public face: start a run, answer a wait, cancel, and watch it settle. The work is
 * done by small parts over one shared RunCore: scheduling.ts (ready steps, values along wires),
 * step-lifecycle.ts (a step from started to succeeded or failed), step-faults.ts (what a throw
 * while handling a step becomes), waits.ts (waits, answers, deadlines), ending.ts (the run's end)
 * and replay.ts (state rebuilt from the log, which lets a run stopped at a wait continue in a
 * fresh process).
 */
import { flowHash } from '../../shared/canonical.ts';
import type { RunEvent } from '../../shared/events.ts';
import type { Flow } from '../../shared/flow.ts';
import type { Plan } from './compile.ts';
import { endRun } from './ending.ts';
import type { Decision } from './executor.ts';
import { continueAfterReplay, replayLog } from './replay.ts';
import { RunCore, type EngineOptions, type RunLink, type SettleStatus } from './run-core.ts';
import { drain, queueRoots } from './scheduling.ts';
import { clearTimer } from './step-runtime.ts';
import { decide } from './waits.ts';

export type { EngineOptions, RunLink, SettleStatus } from './run-core.ts';

export class RunLoop {
  readonly #run: RunCore;

  constructor(runId: string, plan: Plan, inputs: Record<string, unknown>, options: EngineOptions, lastSeq = 0, link: RunLink = {}) {
    this.#run = new RunCore(runId, plan, inputs, options, lastSeq, link);
  }

  get runId(): string {
    return this.#run.runId;
  }

  get plan(): Plan {
    return this.#run.plan;
  }

  get flow(): Flow {
    return this.#run.plan.flow;
  }

  get lastSeq(): number {
    return this.#run.seq;
  }

  /** The run's status now: `running` while a step runs, `waiting` when only waits are left. */
  get status(): SettleStatus | 'running' {
    const run = this.#run;
    if (run.ended) return run.ended;
    return run.running === 0 && run.readAt >= run.ready.length && run.waiting > 0 ? 'waiting' : 'running';
  }

  get terminalEvent(): RunEvent | undefined {
    return this.#run.terminal;
  }

  /** Steps waiting, with what each asks (in its kind's declared shape). */
  waitingSteps(): Array<{ nodeId: string; request: unknown }> {
    const run = this.#run;
    return run.plan.nodes.flatMap((planNode) => {
      const runtime = run.nodes[planNode.index]!;
      return runtime.status === 'waiting' ? [{ nodeId: planNode.node.id, request: runtime.request }] : [];
    });
  }

  /** Resolves when the run has ended. */
  finished(): Promise<Exclude<SettleStatus, 'waiting'>> {
    const ended = this.#run.ended;
    if (ended) return Promise.resolve(ended as Exclude<SettleStatus, 'waiting'>);
    return new Promise((resolve) => this.#run.finishWaiters.push(resolve));
  }

  /** Resolves when the run ends, or when nothing runs and only waits are left. */
  settled(): Promise<SettleStatus> {
    const now = this.status;
    if (now !== 'running') return Promise.resolve(now);
    return new Promise((resolve) => this.#run.settleWaiters.push(resolve));
  }

  /** Emits run.started, pinning the exact flow (and its hash) the run uses, and every flow it may call, then starts the roots. */
  start(): void {
    this.announce();
    queueRoots(this.#run);
    drain(this.#run);
  }

  /** Emits run.started only: a run queued for a worker (server/queue/) is started by the worker resuming its log. */
  announce(): void {
    const run = this.#run;
    const { flows, parentRunId, parentNodeId, itemIndex, depth } = run.link;
    run.emit({
      type: 'run.started',
      flowId: run.plan.flow.id,
      flowHash: flowHash(run.plan.flow),
      flow: run.plan.flow,
      inputs: run.inputs,
      ...(flows !== undefined && Object.keys(flows).length > 0 ? { flows } : {}),
      ...(parentRunId !== undefined ? { parentRunId } : {}),
      ...(parentNodeId !== undefined ? { parentNodeId } : {}),
      ...(itemIndex !== undefined ? { itemIndex } : {}),
      ...(depth !== undefined ? { depth } : {}),
      ...(run.options.origin ? { origin: run.options.origin } : {}),
    });
  }

  /** Rebuilds state from a log without emitting anything (see replay.ts). */
  replay(events: readonly RunEvent[]): void {
    replayLog(this.#run, events);
  }

  /** After replay: continue exactly where the log stopped. Finished steps never run again. */
  continueAfterReplay(): void {
    continueAfterReplay(this.#run);
  }

  /** Answers a waiting step: `by` and the answer's fields, checked against its kind's `wait.answerSchema`. */
  decide(nodeId: string, decision: Decision): void {
    decide(this.#run, nodeId, decision);
  }

  /** The earliest time a waiting step's deadline answers it, if any waits with one. */
  nextDeadline(): string | undefined {
    const run = this.#run;
    let earliest: string | undefined;
    for (const planNode of run.plan.nodes) {
      const runtime = run.nodes[planNode.index]!;
      if (runtime.status !== 'waiting') continue;
      const at = (planNode.kind.wait?.deadline?.(runtime.request as never) as { at: string } | undefined)?.at;
      if (at !== undefined && (earliest === undefined || Date.parse(at) < Date.parse(earliest))) earliest = at;
    }
    return earliest;
  }

  /**
   * Lets go of a run that only waits, recording nothing: its deadline timers stop. Another
   * process continues it from its log (server/queue/); this handle is not used again.
   */
  release(): void {
    for (const runtime of this.#run.nodes) clearTimer(runtime);
  }

  cancel(by?: string): void {
    if (this.#run.ended) return;
    endRun(this.#run, 'cancelled', undefined, undefined, by);
  }
}
