/**
 * Interfaces of the services executors use, so the engine core imports no SDK and no worker code.
 * Implementations: server/providers (models over the openai SDK), server/sandbox (QuickJS in a worker),
 * server/child-runs (child runs of subflow and map steps).
 */
import type { PinnedFlowEntry, StepError } from '../../shared/events.ts';
import type { Flow } from '../../shared/flow.ts';
import type { OuterBudget } from './executor.ts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ModelRequest {
  model: string;
  messages: ChatMessage[];
  /** Strict JSON Schema response format (OpenAI `response_format: {type:'json_schema', json_schema:{name, schema, strict:true}}`). */
  responseSchema?: { name: string; schema: Record<string, unknown> };
  temperature?: number;
  maxTokens: number;
  timeoutMs?: number;
  maxRetries?: number;
  signal: AbortSignal;
}

/** One part of a streamed reply. */
export type ModelStreamPart =
  | { type: 'text-delta'; text: string }
  | { type: 'usage'; inputTokens: number; cachedInputTokens: number; outputTokens: number }
  | { type: 'finish'; reason: string }
  /** The reply comes from an earlier run's log (a replay or what-if), not from a model: nothing was sent or paid. */
  | { type: 'reused'; fromRunId: string };

export interface ModelPrice {
  inputPerMillion: number;
  cachedInputPerMillion?: number;
  outputPerMillion: number;
}

export interface ResolvedModel {
  model: string;
  provider: string;
  /** True when answered by Weft's built-in simulated endpoint. */
  simulated: boolean;
  /** undefined: unpriced (never shown as $0). */
  price: ModelPrice | undefined;
}

export interface ModelService {
  /** Which provider serves a model and at what price; throws StepFailure('unknown-model') when none does. */
  resolve(model: string): ResolvedModel;
  /** Counts tokens as the model's tokenizer would (for estimates while streaming and for budgets). */
  countTokens(model: string, text: string): number;
  /** Streams a chat completion. Errors are StepFailure with code `provider` and `retryable` set. */
  stream(request: ModelRequest): AsyncIterable<ModelStreamPart>;
}

export interface SandboxRunRequest {
  source: string;
  language: 'javascript' | 'typescript';
  inputs: Record<string, unknown>;
  timeoutMs: number;
  /** Whose call this is (the run id): sandbox workers are shared fairly between runs. */
  owner?: string;
  /** Called when the call has to wait for a sandbox worker. */
  onQueued?: () => void;
  /** Called when the call reaches a worker; its time limit starts then. */
  onStart?: () => void;
}

export type SandboxRunResult = (
  | { ok: true; outputs: Record<string, unknown> }
  | { ok: false; error: { message: string; limit?: string; line?: number } }
) & {
  logs: Array<{ level: 'log' | 'info' | 'warn' | 'error' | 'debug'; text: string }>;
  logsTruncated: boolean;
  /** What the console caps left out: whole lines, and UTF-8 bytes of text. */
  logsDropped: { lines: number; bytes: number };
};

export interface SandboxService {
  /**
   * `signal` cancels the call. It may be given as a function that makes it: the sandbox calls it
   * only for a call that does not finish at once, so a call that runs in-process (most warm ones)
   * never pays for a signal (see server/sandbox/create-sandbox.ts).
   */
  run(request: SandboxRunRequest, signal?: AbortSignal | (() => AbortSignal)): Promise<SandboxRunResult>;
}

/** What a step asks of the child-run service: one child run of a pinned flow. */
export interface ChildRunRequest {
  /**
   * Derived from the parent run, step and item, never random: a step that runs again after a
   * restart asks for the same id and goes back to that child (resumed from its log, or its end
   * read back) instead of starting another.
   */
  childRunId: string;
  parentRunId: string;
  parentNodeId: string;
  itemIndex?: number;
  /** The child's depth (the parent's plus one). */
  depth: number;
  flowId: string;
  flow: Flow;
  flowHash: string;
  /** What the child pins in turn: the parent's pinned flows. */
  flows: Readonly<Record<string, PinnedFlowEntry>>;
  inputs: Record<string, unknown>;
  /** The parent step's share of the parent's budget; the child's reservations ask it first. */
  budget: OuterBudget;
  /**
   * The child's cost not yet counted by this attempt of the parent step: spending the child's log
   * held before this attempt went back to it was counted by an earlier attempt. Called as the
   * child's cost events are recorded, so the parent's cost grows while the child streams.
   */
  onCost(cost: ChildCost): void;
  /** Aborted: the child is cancelled. */
  signal: AbortSignal;
}

export interface ChildCost {
  usd: number;
  inputTokens: number;
  outputTokens: number;
  unpriced: boolean;
  simulated: boolean;
}

export type ChildRunEnd =
  | { status: 'succeeded'; runId: string; outputs: Record<string, unknown> }
  | { status: 'failed'; runId: string; error: StepError }
  | { status: 'cancelled'; runId: string };

export interface ChildRunService {
  /** Starts the child run, or goes back to the one with that id; resolves when it has ended. */
  run(request: ChildRunRequest): Promise<ChildRunEnd>;
}
