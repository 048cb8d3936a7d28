/** What the run loop keeps per step: only what it can rebuild from the log (see replay.ts). */
import type { StepStatus } from '../../shared/run-state.ts';
import type { CostEmission, Decision } from './executor.ts';
import type { StepRuntime as ContextRuntime } from './live-step-context.ts';

export interface StepRuntime extends ContextRuntime {
  status: StepStatus;
  attempt: number;
  /** Wired inputs whose value (or skip) has not arrived yet. */
  remaining: number;
  /** Why the step cannot run: the first wired input that did not fire. */
  skipReason: string | undefined;
  anyValue: boolean;
  startedAt: number;
  costOnStop: (() => CostEmission | undefined) | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** What a waiting step asks, in its kind's declared shape. */
  request: unknown;
  /** An answer recorded in the log whose outputs were not (yet) recorded. */
  decided: { by: string; answer: unknown } | undefined;
}

export function newStepRuntime(wiredInputs: number): StepRuntime {
  return {
    status: 'pending',
    attempt: 0,
    remaining: wiredInputs,
    values: {},
    skipReason: undefined,
    anyValue: false,
    startedAt: 0,
    controller: undefined,
    costOnStop: undefined,
    timer: undefined,
    request: undefined,
    decided: undefined,
  };
}

export function clearTimer(runtime: StepRuntime): void {
  if (runtime.timer !== undefined) {
    clearTimeout(runtime.timer);
    runtime.timer = undefined;
  }
}

export type { Decision };
