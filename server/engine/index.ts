/**
 * The engine's public face: start a run, or resume one from its log. Pure at its core: it imports
 * no HTTP, WebSocket, storage or SDK code; those come in as executors, services and `onEvent`.
 */
import type { RunEvent } from '../../shared/events.ts';
import type { Flow } from '../../shared/flow.ts';
import { compile } from './compile.ts';
import { RunLoop, type EngineOptions, type RunLink } from './run-loop.ts';

export { compile } from './compile.ts';
export { DecisionError, toStepError } from './errors.ts';
export { StepFailure } from './executor.ts';
export type { Decision, EngineServices, EstimateRequest, Executor, ExecutorLookup, ExecutorMap, OuterBudget, StepContext, StepEmission, StepEstimate, StepOutcome } from './executor.ts';
export { RunLoop, type EngineOptions, type RunLink, type SettleStatus } from './run-loop.ts';
export type { ChildRunEnd, ChildRunRequest, ChildRunService, ModelService, SandboxService, SandboxRunRequest, SandboxRunResult } from './services.ts';

export type RunHandle = RunLoop;

/**
 * Starts a run of a validated flow with checked inputs. Events flow out through `options.onEvent`.
 * `link` pins the flows it may call and, for a child run, names its parent (see RunLink).
 */
export function startRun(runId: string, flow: Flow, inputs: Record<string, unknown>, options: EngineOptions, link: RunLink = {}): RunHandle {
  const loop = new RunLoop(runId, compile(flow, link.flows), inputs, options, 0, link);
  loop.start();
  return loop;
}

/**
 * Continues a run from its log: finished steps never run again, waiting steps keep waiting (their
 * deadlines re-armed), a logged decision is applied without asking again, and a step that was
 * running when the log stopped runs again as its next attempt.
 */
export function resumeRun(events: readonly RunEvent[], options: EngineOptions): RunHandle {
  const first = events[0];
  if (!first || first.type !== 'run.started') throw new Error('a run log starts with run.started');
  events.forEach((event, index) => {
    if (event.seq !== index + 1) throw new Error(`run ${first.runId}: event ${index + 1} has seq ${event.seq}; the log has a gap`);
  });
  const link: RunLink = {
    ...(first.flows !== undefined ? { flows: first.flows } : {}),
    ...(first.parentRunId !== undefined ? { parentRunId: first.parentRunId } : {}),
    ...(first.parentNodeId !== undefined ? { parentNodeId: first.parentNodeId } : {}),
    ...(first.itemIndex !== undefined ? { itemIndex: first.itemIndex } : {}),
    ...(first.depth !== undefined ? { depth: first.depth } : {}),
  };
  const loop = new RunLoop(first.runId, compile(first.flow, link.flows), first.inputs, options, events.length, link);
  loop.replay(events);
  loop.continueAfterReplay();
  return loop;
}
