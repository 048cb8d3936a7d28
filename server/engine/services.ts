/**
 * Interfaces of the services executors use, so the engine core imports no SDK and no worker code.
 * Implementations: server/providers (models over the openai SDK), server/sandbox (QuickJS in a worker).
 */

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
  | { type: 'finish'; reason: string };

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
  run(request: SandboxRunRequest, signal?: AbortSignal): Promise<SandboxRunResult>;
}
