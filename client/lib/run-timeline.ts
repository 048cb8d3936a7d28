/**
 * A run's timeline from its event log: per step, each attempt as a bar (start to end, with the
 * cost and tokens that attempt spent) and each wait for a person as a gap. Built from the events
 * rather than the reduced state, because the state keeps only a step's latest attempt.
 */
import type { RunEvent } from '../../shared/events.ts';
import { answerText } from '../../shared/kinds/registry.ts';

export type AttemptOutcome = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface TimelineAttempt {
  attempt: number;
  startMs: number;
  /** Undefined while the attempt is still going. */
  endMs?: number;
  outcome: AttemptOutcome;
  /** null: a model without a known price. */
  costUsd: number | null;
  inputTokens: number;
  outputTokens: number;
  /** The model's reply came at $0 from this earlier run's log (a replay or what-if). */
  reusedFrom?: string;
}

export interface TimelineWait {
  startMs: number;
  endMs?: number;
  /** How the wait ended, as its kind words it (e.g. `approved by ana`). */
  answer?: string;
}

export interface TimelineRow {
  nodeId: string;
  attempts: TimelineAttempt[];
  waits: TimelineWait[];
}

export interface Timeline {
  startMs: number;
  /** The run's end, or `now` for a run still going. */
  endMs: number;
  rows: TimelineRow[];
}

export function buildTimeline(events: readonly RunEvent[], now = Date.now()): Timeline {
  const rows = new Map<string, TimelineRow>();
  let startMs: number | undefined;
  let endMs: number | undefined;
  const rowOf = (nodeId: string): TimelineRow => {
    let row = rows.get(nodeId);
    if (!row) rows.set(nodeId, (row = { nodeId, attempts: [], waits: [] }));
    return row;
  };
  const current = (nodeId: string): TimelineAttempt | undefined => rows.get(nodeId)?.attempts.at(-1);
  const finish = (nodeId: string, at: number, outcome: AttemptOutcome) => {
    const attempt = current(nodeId);
    if (attempt && attempt.endMs === undefined) Object.assign(attempt, { endMs: at, outcome });
    const wait = rows.get(nodeId)?.waits.at(-1);
    if (wait && wait.endMs === undefined) wait.endMs = at;
  };
  const kinds = new Map<string, string>();
  for (const event of events) {
    const at = Date.parse(event.at);
    switch (event.type) {
      case 'run.started':
        startMs = at;
        for (const node of event.flow.nodes) kinds.set(node.id, node.kind);
        break;
      case 'step.started':
        rowOf(event.nodeId).attempts.push({ attempt: event.attempt, startMs: at, outcome: 'running', costUsd: 0, inputTokens: 0, outputTokens: 0 });
        break;
      case 'step.cost': {
        // Each report is the attempt's total so far.
        const attempt = current(event.nodeId);
        if (attempt) Object.assign(attempt, { costUsd: event.usd, inputTokens: event.inputTokens, outputTokens: event.outputTokens, ...(event.reusedFrom !== undefined ? { reusedFrom: event.reusedFrom } : {}) });
        break;
      }
      case 'step.waiting':
        rowOf(event.nodeId).waits.push({ startMs: at });
        break;
      case 'step.decided': {
        const wait = rows.get(event.nodeId)?.waits.at(-1);
        if (wait && wait.endMs === undefined) Object.assign(wait, { endMs: at, answer: answerText(kinds.get(event.nodeId) ?? '', event.answer, event.by) });
        break;
      }
      case 'step.succeeded':
        finish(event.nodeId, at, 'succeeded');
        break;
      case 'step.failed':
        finish(event.nodeId, at, 'failed');
        break;
      case 'step.cancelled':
        finish(event.nodeId, at, 'cancelled');
        break;
      case 'run.succeeded':
      case 'run.failed':
      case 'run.cancelled':
        endMs = at;
        break;
      default:
        break;
    }
  }
  const start = startMs ?? (events[0] ? Date.parse(events[0].at) : now);
  return { startMs: start, endMs: Math.max(endMs ?? now, start), rows: [...rows.values()] };
}

/** The part of a wait spent inside an attempt is not work: the bar's busy time leaves it out. */
export function busyMs(row: TimelineRow, attempt: TimelineAttempt, end: number): number {
  const attemptEnd = attempt.endMs ?? end;
  let waited = 0;
  for (const wait of row.waits) {
    const from = Math.max(wait.startMs, attempt.startMs);
    const to = Math.min(wait.endMs ?? end, attemptEnd);
    if (to > from) waited += to - from;
  }
  return Math.max(0, attemptEnd - attempt.startMs - waited);
}
