/**
 * The one reducer: run state from the event log. Used by the server (REST, resume checks) and by
 * the browser (live canvas, history). `applyEvent` updates a draft in place (fast folding of long
 * logs); `reduceRun` is the immutable form for UI stores.
 */
import type { RunEvent, StepError } from './events.ts';
import { exhaustive } from './events.ts';
import type { Flow } from './flow.ts';
import type { RunOrigin } from './run-origin.ts';

export type RunStatus = 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled';
export type StepStatus = 'pending' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export interface StepState {
  nodeId: string;
  status: StepStatus;
  attempt: number;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  /** Output nodes: the fields they added to the run's result. */
  result?: Record<string, unknown>;
  error?: StepError;
  skippedReason?: string;
  /** Streamed model text of the current attempt. */
  text: string;
  prompt?: { model: string; simulated: boolean; messages: Array<{ role: string; content: string }> };
  model?: string;
  /** Tokens and cost of all attempts: earlier attempts' spending stays spent when a step runs again. */
  inputTokens: number;
  outputTokens: number;
  /** null: unpriced model. */
  costUsd: number | null;
  /** Prompt tokens the provider served from its cache, and what that saved (all attempts); absent: none. */
  cachedInputTokens?: number;
  cachedSavingUsd?: number;
  /** What attempts before the current one spent (set when a step starts again). */
  earlierAttempts?: { inputTokens: number; outputTokens: number; costUsd: number | null; cachedInputTokens?: number; cachedSavingUsd?: number };
  costFinal: boolean;
  simulated: boolean;
  /** The model's reply was taken at $0 from this earlier run's log (a replay or what-if). */
  reusedFrom?: string;
  logs: Array<{ level: string; text: string; at: string }>;
  /** Running, but waiting for a sandbox worker (see the `step.queue` event); cleared when its status changes. */
  queued?: boolean;
  /** What the step waits for, in the shape its kind declares (`wait.requestSchema`). */
  request?: unknown;
  /** What ended the wait, in the shape its kind declares (`wait.answerSchema`). */
  decision?: { by: string; answer: unknown; at: string };
  /** Child runs this step started (a subflow's one, a map's one per item), in the order they started. */
  children?: Array<{ runId: string; flowId: string; itemIndex?: number }>;
  /** A step over many items: how many child runs are done and failed, of how many. */
  progress?: { done: number; failed: number; total: number };
}

export interface RunState {
  runId: string;
  flowId: string;
  flowHash: string;
  flow?: Flow;
  status: RunStatus;
  inputs: Record<string, unknown>;
  /** What started the run (absent in logs written before origins were recorded). */
  origin?: RunOrigin;
  outputs?: Record<string, unknown>;
  error?: StepError & { nodeId?: string };
  startedAt: string;
  endedAt?: string;
  /** Settled cost plus the running estimate of unsettled model steps; priced steps only. */
  costUsd: number;
  /** Some model step has no known price: the total is a lower bound. */
  hasUnpriced: boolean;
  simulated: boolean;
  lastSeq: number;
  steps: Record<string, StepState>;
  /** A child run: the run and step that started it. */
  parent?: { runId: string; nodeId: string; itemIndex?: number };
  /** Steps running and waiting now (kept as counts so each event costs the same in a large run). */
  runningSteps: number;
  waitingSteps: number;
  unpricedSteps: number;
}

export function emptyStep(nodeId: string): StepState {
  return { nodeId, status: 'pending', attempt: 0, text: '', inputTokens: 0, outputTokens: 0, costUsd: 0, costFinal: false, simulated: false, logs: [] };
}

export function initialRunState(runId: string): RunState {
  return {
    runId, flowId: '', flowHash: '', status: 'running', inputs: {}, startedAt: '', costUsd: 0, hasUnpriced: false, simulated: false,
    lastSeq: 0, steps: {}, runningSteps: 0, waitingSteps: 0, unpricedSteps: 0,
  };
}

function deriveStatus(state: RunState): RunStatus {
  if (state.status !== 'running' && state.status !== 'waiting') return state.status;
  return state.runningSteps === 0 && state.waitingSteps > 0 ? 'waiting' : 'running';
}

function setStatus(state: RunState, step: StepState, status: StepStatus): void {
  if (step.status === 'running') state.runningSteps--;
  if (step.status === 'waiting') state.waitingSteps--;
  if (status === 'running') state.runningSteps++;
  if (status === 'waiting') state.waitingSteps++;
  step.status = status;
  delete step.queued;
}

function setCost(state: RunState, step: StepState, usd: number | null): void {
  if (step.costUsd === null) state.unpricedSteps--;
  else state.costUsd -= step.costUsd;
  if (usd === null) state.unpricedSteps++;
  else state.costUsd += usd;
  step.costUsd = usd;
  state.hasUnpriced = state.unpricedSteps > 0;
  // Sums of small floats drift; keep the total clean at the nano-dollar.
  state.costUsd = Math.round(state.costUsd * 1e9) / 1e9;
}

/** The step's own entry (never one inherited from Object.prototype: "constructor" is a valid node id). */
/** A step's cache figures, when it has any. */
function cacheOf(step: StepState): { cachedInputTokens?: number; cachedSavingUsd?: number } {
  return step.cachedInputTokens ? { cachedInputTokens: step.cachedInputTokens, cachedSavingUsd: step.cachedSavingUsd ?? 0 } : {};
}

function stepOf(state: RunState, nodeId: string): StepState {
  if (!Object.hasOwn(state.steps, nodeId)) state.steps[nodeId] = emptyStep(nodeId);
  return state.steps[nodeId]!;
}

/**
 * Applies one event to a draft state in place. Throws when `seq` is not the next one: a log with a
 * gap or a repeat is corrupt and must not be silently accepted.
 */
export function applyEvent(state: RunState, event: RunEvent): RunState {
  if (event.seq !== state.lastSeq + 1) throw new Error(`run ${state.runId}: event seq ${event.seq} follows ${state.lastSeq}`);
  state.lastSeq = event.seq;
  const step = 'nodeId' in event && event.type.startsWith('step.') ? stepOf(state, event.nodeId) : undefined;
  switch (event.type) {
    case 'run.started':
      state.runId = event.runId;
      state.flowId = event.flowId;
      state.flowHash = event.flowHash;
      state.flow = event.flow;
      state.inputs = event.inputs;
      if (event.origin) state.origin = event.origin;
      state.startedAt = event.at;
      state.status = 'running';
      if (event.parentRunId !== undefined && event.parentNodeId !== undefined) {
        state.parent = { runId: event.parentRunId, nodeId: event.parentNodeId, ...(event.itemIndex !== undefined ? { itemIndex: event.itemIndex } : {}) };
      }
      for (const node of event.flow.nodes) stepOf(state, node.id);
      break;
    case 'step.started':
      if (event.attempt > step!.attempt && (step!.inputTokens > 0 || step!.outputTokens > 0 || step!.costUsd !== 0)) {
        step!.earlierAttempts = { inputTokens: step!.inputTokens, outputTokens: step!.outputTokens, costUsd: step!.costUsd, ...cacheOf(step!) };
      }
      setStatus(state, step!, 'running');
      Object.assign(step!, { attempt: event.attempt, startedAt: event.at, inputs: event.inputs, text: '' });
      delete step!.error;
      delete step!.request;
      delete step!.decision;
      break;
    case 'step.prompt':
      step!.prompt = { model: event.model, simulated: event.simulated, messages: event.messages };
      step!.model = event.model;
      step!.simulated = event.simulated;
      break;
    case 'step.delta':
      step!.text += event.text;
      break;
    case 'step.cost': {
      const earlier = step!.earlierAttempts;
      Object.assign(step!, {
        model: event.model,
        inputTokens: (earlier?.inputTokens ?? 0) + event.inputTokens,
        outputTokens: (earlier?.outputTokens ?? 0) + event.outputTokens,
        costFinal: event.final,
        simulated: event.simulated,
      });
      const cached = (earlier?.cachedInputTokens ?? 0) + (event.cachedInputTokens ?? 0);
      const saving = (earlier?.cachedSavingUsd ?? 0) + (event.cachedSavingUsd ?? 0);
      if (cached > 0) Object.assign(step!, { cachedInputTokens: cached, cachedSavingUsd: saving });
      setCost(state, step!, event.usd === null || earlier?.costUsd === null ? null : (earlier?.costUsd ?? 0) + event.usd);
      if (event.simulated) state.simulated = true;
      if (event.reusedFrom !== undefined) step!.reusedFrom = event.reusedFrom;
      break;
    }
    case 'step.queue':
      if (event.queued && step!.status === 'running') step!.queued = true;
      else delete step!.queued;
      break;
    case 'step.log':
      step!.logs.push({ level: event.level, text: event.text, at: event.at });
      break;
    case 'step.waiting':
      setStatus(state, step!, 'waiting');
      step!.request = event.request;
      break;
    case 'step.child': {
      const children = (step!.children ??= []);
      if (!children.some((child) => child.runId === event.childRunId)) {
        children.push({ runId: event.childRunId, flowId: event.flowId, ...(event.itemIndex !== undefined ? { itemIndex: event.itemIndex } : {}) });
      }
      break;
    }
    case 'step.progress':
      step!.progress = { done: event.done, failed: event.failed, total: event.total };
      break;
    case 'step.decided':
      step!.decision = { by: event.by, answer: event.answer, at: event.at };
      setStatus(state, step!, 'running');
      break;
    case 'step.succeeded':
      setStatus(state, step!, 'succeeded');
      Object.assign(step!, { outputs: event.outputs, durationMs: event.durationMs, endedAt: event.at });
      if (event.result !== undefined) step!.result = event.result;
      break;
    case 'step.failed':
      setStatus(state, step!, 'failed');
      Object.assign(step!, { error: event.error, endedAt: event.at });
      if (event.durationMs !== undefined) step!.durationMs = event.durationMs;
      break;
    case 'step.skipped':
      setStatus(state, step!, 'skipped');
      Object.assign(step!, { skippedReason: event.reason, endedAt: event.at });
      break;
    case 'step.cancelled':
      setStatus(state, step!, 'cancelled');
      Object.assign(step!, { endedAt: event.at });
      break;
    case 'run.succeeded':
      Object.assign(state, { status: 'succeeded', outputs: event.outputs, endedAt: event.at });
      break;
    case 'run.failed':
      Object.assign(state, { status: 'failed', error: event.error, endedAt: event.at });
      break;
    case 'run.cancelled':
      Object.assign(state, { status: 'cancelled', endedAt: event.at });
      break;
    default:
      exhaustive(event);
  }
  state.status = deriveStatus(state);
  return state;
}

/** Immutable form: a new state object, sharing every step the event did not touch. */
export function reduceRun(state: RunState, event: RunEvent): RunState {
  const next: RunState = { ...state, steps: { ...state.steps } };
  if ('nodeId' in event && event.type.startsWith('step.')) {
    const previous = Object.hasOwn(state.steps, event.nodeId) ? state.steps[event.nodeId] : undefined;
    if (previous) {
      next.steps[event.nodeId] = { ...previous, logs: event.type === 'step.log' ? [...previous.logs] : previous.logs };
      if (event.type === 'step.child' && previous.children) next.steps[event.nodeId]!.children = [...previous.children];
    }
  }
  if (event.type === 'run.started') next.steps = {};
  return applyEvent(next, event);
}

/** The state of a run from its whole log. */
export function foldEvents(events: Iterable<RunEvent>, runId = ''): RunState {
  const state = initialRunState(runId);
  for (const event of events) applyEvent(state, event);
  return state;
}
