/** Human-readable progress lines for `weft run`, one per step event that matters. */
import type { RunEvent } from '../../shared/events.ts';
import type { Flow } from '../../shared/flow.ts';
import { answerText, waitsForPerson, waitTitle } from '../../shared/kinds/registry.ts';
import { formatUsd } from '../../shared/pricing.ts';

export function costText(usd: number | null, simulated: boolean): string {
  const amount = usd === null ? 'unpriced' : formatUsd(usd);
  return simulated ? `${amount} (simulated)` : amount;
}

function kindOf(flow: Flow | undefined, nodeId: string): string {
  return flow?.nodes.find((node) => node.id === nodeId)?.kind ?? '';
}

export function progressLine(event: RunEvent, costs: Map<string, { usd: number | null; inputTokens: number; outputTokens: number; simulated: boolean }>, flow?: Flow): string | undefined {
  switch (event.type) {
    case 'run.started':
      return `run ${event.runId} of ${event.flowId}`;
    case 'step.started':
      return `  > ${event.nodeId}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`;
    case 'step.cost':
      if (event.final) costs.set(event.nodeId, { usd: event.usd, inputTokens: event.inputTokens, outputTokens: event.outputTokens, simulated: event.simulated });
      return undefined;
    case 'step.log':
      return `    ${event.nodeId} ${event.level}: ${event.text}`;
    case 'step.succeeded': {
      const cost = costs.get(event.nodeId);
      const costPart = cost ? `, ${cost.inputTokens} in / ${cost.outputTokens} out tokens, ${costText(cost.usd, cost.simulated)}` : '';
      return `  ok ${event.nodeId} (${Math.round(event.durationMs)} ms${costPart})`;
    }
    case 'step.failed':
      return `  FAILED ${event.nodeId}: ${event.error.message}`;
    case 'step.skipped':
      return `  - ${event.nodeId} skipped: ${event.reason}`;
    case 'step.waiting':
      return `  || ${event.nodeId} ${waitsForPerson(kindOf(flow, event.nodeId)) ? 'waits for a person' : 'waits'}: ${waitTitle(kindOf(flow, event.nodeId), event.request)}`;
    case 'step.decided':
      return `  ${event.nodeId} ${answerText(kindOf(flow, event.nodeId), event.answer, event.by)}`;
    case 'step.cancelled':
      return `  x ${event.nodeId} cancelled`;
    case 'step.child':
      return event.itemIndex === undefined ? `    ${event.nodeId} runs ${event.flowId} as child run ${event.childRunId}` : undefined;
    case 'step.progress': {
      const ended = event.done + event.failed;
      const every = Math.max(1, Math.floor(event.total / 10));
      if (ended !== event.total && ended % every !== 0) return undefined;
      return `    ${event.nodeId}: ${event.done} of ${event.total} items done${event.failed > 0 ? `, ${event.failed} failed` : ''}`;
    }
    default:
      return undefined;
  }
}
