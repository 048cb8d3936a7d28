/**
 * Replay and what-if of a finished run, through the RunManager like any run (stored, broadcast,
 * shown in the designer): model replies come from the original run's event log
 * (log-model-service.ts), code steps run again, approvals are decided as they were.
 * A replay sends nothing to a model. A what-if changes nodes' config; the changed steps and
 * everything downstream of them run live, the steps before are answered from the log at $0.
 */
import { isTerminal, type RunEvent } from '../../shared/events.ts';
import type { Flow } from '../../shared/flow.ts';
import { callsOf } from '../../shared/flow-calls.ts';
import { applySettings, settingsFromRecord } from '../evaluation/flow-variants.ts';
import { badRequest, conflict, notFound } from '../request-error.ts';
import type { RunManager } from '../run-manager.ts';
import { compareRuns, type RunComparison } from './compare-runs.ts';
import { createLogModelService, type LogModelService } from './log-model-service.ts';

/** The nodes `changed` and every node reachable from them along the flow's wires. */
export function downstreamOf(flow: Flow, changed: Iterable<string>): Set<string> {
  const reached = new Set(changed);
  const queue = [...reached];
  while (queue.length > 0) {
    const nodeId = queue.shift()!;
    for (const edge of flow.edges) {
      const from = edge.from.split('.')[0]!;
      const to = edge.to.split('.')[0]!;
      if (from === nodeId && !reached.has(to)) {
        reached.add(to);
        queue.push(to);
      }
    }
  }
  return reached;
}

async function finishedRun(runs: RunManager, runId: string): Promise<{ events: RunEvent[]; flow: Flow; inputs: Record<string, unknown> }> {
  const events = await runs.events(runId, 0);
  if (!events) throw notFound(`there is no run "${runId}"`);
  const started = events.find((event) => event.type === 'run.started');
  if (!started || started.type !== 'run.started') throw notFound(`run "${runId}" has no start in its log`);
  if (!events.some(isTerminal)) throw conflict(`run "${runId}" has not finished; replay or change it once it has ended`);
  // Its child runs would be started afresh with the live model service, not answered from their logs.
  const calls = callsOf(started.flow);
  if (calls.length > 0) throw conflict(`run "${runId}" calls other flows (${calls.map((call) => `${call.nodeId} -> ${call.flowId}`).join(', ')}); replaying or changing a run with subflow or map steps is not supported yet`);
  return { events, flow: started.flow, inputs: started.inputs };
}

/** Runs the flow again with the log's model service and the original decisions; resolves when it ends or waits for a decision it has no answer for. */
async function rerun(runs: RunManager, kind: 'replay' | 'what-if', original: RunEvent[], flow: Flow, inputs: Record<string, unknown>, makeModels: (models: Parameters<typeof createLogModelService>[1]) => LogModelService): Promise<RunComparison> {
  const decisions = new Map(original.flatMap((event) => (event.type === 'step.decided' ? [[event.nodeId, { by: event.by, ...(event.answer as Record<string, unknown>) }] as const] : [])));
  const seen = new Map<string, RunEvent[]>();
  let runId: string | undefined;
  let finish!: () => void;
  const ended = new Promise<void>((resolve) => (finish = resolve));
  const hear = (events: RunEvent[]) => {
    for (const event of events) {
      const list = seen.get(event.runId) ?? [];
      list.push(event);
      seen.set(event.runId, list);
      if (runId !== undefined) settle(event);
    }
  };
  const settle = (event: RunEvent) => {
    if (event.runId !== runId) return;
    if (isTerminal(event)) finish();
    if (event.type === 'step.waiting') {
      const decision = decisions.get(event.nodeId);
      if (decision) void runs.decide(runId, event.nodeId, decision).catch(() => finish());
      else finish();
    }
  };
  const stop = runs.onEvents(hear);
  let models: LogModelService | undefined;
  try {
    ({ runId } = await runs.start(flow, inputs, { models: (inner) => (models = makeModels(inner)), origin: { type: kind } }));
    for (const event of seen.get(runId) ?? []) settle(event);
    await ended;
  } finally {
    stop();
  }
  return compareRuns(original, seen.get(runId) ?? [], models?.reused() ?? []);
}

export async function replayRun(runs: RunManager, runId: string): Promise<RunComparison> {
  const { events, flow, inputs } = await finishedRun(runs, runId);
  return rerun(runs, 'replay', events, flow, inputs, (inner) => createLogModelService(events, inner, { live: false }));
}

export async function whatIfRun(runs: RunManager, runId: string, set: Record<string, unknown>): Promise<RunComparison> {
  const settings = settingsFromRecord(set);
  if (typeof settings === 'string') throw badRequest(settings);
  if (settings.length === 0) throw badRequest('set: name at least one node config to change, e.g. {"set": {"classify.model": "gpt-4o"}}');
  const { events, flow, inputs } = await finishedRun(runs, runId);
  const applied = applySettings(flow, settings);
  if (!applied.ok) throw badRequest(`set: ${applied.message}`);
  const liveNodes = downstreamOf(applied.flow, settings.map((setting) => setting.nodeId));
  return rerun(runs, 'what-if', events, applied.flow, inputs, (inner) => createLogModelService(events, inner, { live: true, liveNodes }));
}
