/**
 * A ModelService that answers from a finished run's event log: each `step.prompt` with the
 * `step.delta` text that followed it. A reply taken from the log is not sent and costs nothing
 * (its usage is zero tokens). Requests of the nodes in `liveNodes` (a what-if's changed steps and
 * what follows them), and requests the log does not hold when `live` is allowed, go to the
 * wrapped service; otherwise they fail with code `not-recorded`, naming the model.
 */
import { createHash } from 'node:crypto';
import type { RunEvent } from '../../shared/events.ts';
import { StepFailure } from '../engine/executor.ts';
import type { ChatMessage, ModelService, ModelStreamPart, ResolvedModel } from '../engine/services.ts';

interface LoggedReply {
  nodeId: string;
  text: string;
}

function exchangeKey(model: string, messages: readonly ChatMessage[]): string {
  return createHash('sha256').update(JSON.stringify({ model, messages: messages.map((message) => [message.role, message.content]) })).digest('hex');
}

/** The replies of a run's model steps by what was sent; a step retried keeps its last reply. */
export function loggedReplies(events: readonly RunEvent[]): Map<string, LoggedReply> {
  const replies = new Map<string, LoggedReply>();
  const current = new Map<string, LoggedReply>();
  for (const event of events) {
    if (event.type === 'step.prompt') {
      const reply = { nodeId: event.nodeId, text: '' };
      current.set(event.nodeId, reply);
      replies.set(exchangeKey(event.model, event.messages), reply);
    } else if (event.type === 'step.delta') {
      const reply = current.get(event.nodeId);
      if (reply) reply.text += event.text;
    }
  }
  return replies;
}

export interface LogModelServiceOptions {
  /** Nodes whose requests always go live. */
  liveNodes?: ReadonlySet<string>;
  /** Requests the log does not hold go live (what-if) instead of failing (replay). */
  live?: boolean;
}

export interface LogModelService extends ModelService {
  /** Nodes answered from the log so far. */
  reused(): string[];
}

export function createLogModelService(events: readonly RunEvent[], inner: ModelService | undefined, options: LogModelServiceOptions = {}): LogModelService {
  const replies = loggedReplies(events);
  const originalRunId = events[0]?.runId ?? '';
  const reused = new Set<string>();
  const liveNodes = options.liveNodes ?? new Set<string>();
  const fromLog = (model: string, messages: readonly ChatMessage[]) => {
    const reply = replies.get(exchangeKey(model, messages));
    return reply && !liveNodes.has(reply.nodeId) ? reply : undefined;
  };
  return {
    resolve(model: string): ResolvedModel {
      if (inner && options.live) return inner.resolve(model);
      return { model, provider: 'run log', simulated: false, price: { inputPerMillion: 0, outputPerMillion: 0 } };
    },
    countTokens: (model, text) => inner?.countTokens(model, text) ?? Math.ceil(text.length / 4),
    reused: () => [...reused],
    async *stream(request): AsyncIterable<ModelStreamPart> {
      const reply = fromLog(request.model, request.messages);
      if (reply) {
        reused.add(reply.nodeId);
        yield { type: 'reused', fromRunId: originalRunId };
        yield { type: 'text-delta', text: reply.text };
        yield { type: 'usage', inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 };
        yield { type: 'finish', reason: 'stop' };
        return;
      }
      if (!options.live || !inner) throw new StepFailure('not-recorded', `the run's log holds no reply to this request to model "${request.model}", so it cannot be replayed without calling the model`);
      yield* inner.stream(request);
    },
  };
}
