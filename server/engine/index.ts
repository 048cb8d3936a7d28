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
 * The `run.started` event of a run that is not executed here: it is recorded and queued, and a
 * worker executes it by resuming its log (server/queue/). Throws as startRun does for a flow that
 * does not compile.
 */
export function announceRun(runId: string, flow: Flow, inputs: Record<string, unknown>, options: Omit<EngineOptions, 'onEvent' | 'durable'>, link: RunLink = {}): RunEvent {
  let started: RunEvent | undefined;
  new RunLoop(runId, compile(flow, link.flows), inputs, { ...options, onEvent: (event) => (started = event) }, 0, link).announce();
  return started!;
}

/**
 * The events that answering a waiting step, or cancelling, adds to a run no engine here holds:
 * the run is rebuilt from its log (nothing runs, no deadline is armed) and the act's events are
 * collected. A decision is checked exactly as on a live run (DecisionError when it cannot apply).
 * The caller records them conditionally on the log's last seq, then a worker continues the run.
 */
export function actOnLog(events: readonly RunEvent[], options: Omit<EngineOptions, 'onEvent' | 'durable'>, act: (handle: RunHandle) => void): RunEvent[] {
  const first = checkedStart(events);
  const link = linkOf(first);
  const collected: RunEvent[] = [];
  let open = true;
  const onEvent = (event: RunEvent): void => void (open && collected.push(event));
  // Never durable: the answer's effect is left to the worker that continues the run.
  const durable = (): Promise<void> => new Promise<void>(() => undefined);
  const loop = new RunLoop(first.runId, compile(first.flow, link.flows), first.inputs, { ...options, onEvent, durable }, events.length, link);
  loop.replay(events);
  act(loop);
  open = false;
  return collected;
}

/**
 * Continues a run from its log: finished steps never run again, waiting steps keep waiting (their
 * deadlines re-armed), a logged decision is applied without asking again, and a step that was
 * running when the log stopped runs again as its next attempt.
 */
export function resumeRun(events: readonly RunEvent[], options: EngineOptions): RunHandle {
  const first = checkedStart(events);
  const link = linkOf(first);
  const loop = new RunLoop(first.runId, compile(first.flow, link.flows), first.inputs, options, events.length, link);
  loop.replay(events);
  loop.continueAfterReplay();
  return loop;
}

type RunStarted = Extract<RunEvent, { type: 'run.started' }>;

/** The log's run.started, once the log is checked to start with it and to have no gap. */
function checkedStart(events: readonly RunEvent[]): RunStarted {
  const first = events[0];
  if (!first || first.type !== 'run.started') throw new Error('a run log starts with run.started');
  events.forEach((event, index) => {
    if (event.seq !== index + 1) throw new Error(`run ${first.runId}: event ${index + 1} has seq ${event.seq}; the log has a gap`);
  });
  return first;
}

function linkOf(first: RunStarted): RunLink {
  return {
    ...(first.flows !== undefined ? { flows: first.flows } : {}),
    ...(first.parentRunId !== undefined ? { parentRunId: first.parentRunId } : {}),
    ...(first.parentNodeId !== undefined ? { parentNodeId: first.parentNodeId } : {}),
    ...(first.itemIndex !== undefined ? { itemIndex: first.itemIndex } : {}),
    ...(first.depth !== undefined ? { depth: first.depth } : {}),
  };
}
