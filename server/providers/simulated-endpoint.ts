/**
 * Weft's own OpenAI-compatible endpoint: `POST /v1/chat/completions` (streamed as SSE or not) and
 * `GET /v1/models`, answered by simulated-reply.ts. Model steps reach it through the same openai
 * SDK code path as a real provider, so "no API key" exercises everything but the network.
 * Binds 127.0.0.1 on a free port and refuses foreign Host headers (DNS rebinding).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { simulatedReply, type SimulatedRequest } from './simulated-reply.ts';

export const DEFAULT_CHUNK_DELAY_MS = 20;
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Code points per streamed chunk: small enough that the canvas visibly streams. */
const CHUNK_SIZE = 6;

export interface SimulatedEndpointOptions {
  /** Pause between streamed chunks (default 20 ms; 0 in tests). */
  chunkDelayMs?: number;
  /** When set, requests whose Host header is not one of these get 403. */
  allowedHosts?: string[];
}

export interface SimulatedEndpoint {
  /** e.g. `http://127.0.0.1:41234/v1` */
  baseURL: string;
  close(): Promise<void>;
}

const contentSchema = z.union([
  z.string(),
  z.null(),
  z.array(z.looseObject({ type: z.string(), text: z.string().optional() })),
]);

const requestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(z.looseObject({ role: z.string(), content: contentSchema.optional() })).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  max_tokens: z.number().int().positive().nullish(),
  response_format: z
    .discriminatedUnion('type', [
      z.looseObject({ type: z.literal('text') }),
      z.looseObject({ type: z.literal('json_object') }),
      z.looseObject({ type: z.literal('json_schema'), json_schema: z.looseObject({ name: z.string(), schema: z.record(z.string(), z.unknown()).optional() }) }),
    ])
    .nullish(),
});
type ChatRequest = z.infer<typeof requestSchema>;

function sendError(response: ServerResponse, status: number, message: string, type = 'invalid_request_error'): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ error: { message, type, param: null, code: null } }));
}

function toSimulatedRequest(body: ChatRequest): SimulatedRequest {
  const format = body.response_format;
  return {
    model: body.model,
    messages: body.messages.map((message) => ({
      role: message.role,
      content: typeof message.content === 'string' ? message.content : (message.content ?? []).map((part) => part.text ?? '').join(''),
    })),
    responseFormat: format?.type === 'json_schema' ? { type: 'json_schema', schema: format.json_schema.schema ?? {} } : format?.type === 'json_object' ? { type: 'json_object' } : { type: 'text' },
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
  };
}

/** The body, or undefined past MAX_BODY_BYTES (the rest is drained so a 413 can still be sent). */
function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    request.on('data', (part: Buffer) => {
      size += part.length;
      if (size <= MAX_BODY_BYTES) parts.push(part);
    });
    request.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(parts).toString('utf8')));
    request.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Prompt caching as OpenAI does it: a prompt of at least 1,024 tokens sent again is served from
 * the cache in steps of 128 tokens. Simplified to whole prompts seen before (the last few hundred).
 */
const CACHE_MIN_TOKENS = 1024;
const CACHE_STEP_TOKENS = 128;
const CACHE_ENTRIES = 500;

class PromptCache {
  readonly #seen = new Set<string>();

  /** The cached tokens of this prompt, remembering it for the next time. */
  cachedTokens(request: SimulatedRequest, promptTokens: number): number {
    if (promptTokens < CACHE_MIN_TOKENS) return 0;
    const key = createHash('sha256').update(JSON.stringify([request.model, request.messages])).digest('hex');
    if (this.#seen.has(key)) return promptTokens - (promptTokens % CACHE_STEP_TOKENS);
    this.#seen.add(key);
    if (this.#seen.size > CACHE_ENTRIES) this.#seen.delete(this.#seen.values().next().value!);
    return 0;
  }
}

async function answer(response: ServerResponse, body: ChatRequest, chunkDelayMs: number, cache: PromptCache): Promise<void> {
  const request = toSimulatedRequest(body);
  const reply = simulatedReply(request);
  const base = { id: `chatcmpl-simulated-${Date.now().toString(36)}`, created: Math.floor(Date.now() / 1000), model: body.model, system_fingerprint: 'weft-simulated' };
  const cached = cache.cachedTokens(request, reply.promptTokens);
  const usage = { prompt_tokens: reply.promptTokens, completion_tokens: reply.completionTokens, total_tokens: reply.promptTokens + reply.completionTokens, prompt_tokens_details: { cached_tokens: cached } };
  if (body.stream !== true) {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: reply.text, refusal: null }, finish_reason: reply.finishReason }], usage }));
    return;
  }
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const send = (choices: unknown[], extra: Record<string, unknown> = {}) => response.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices, ...extra })}\n\n`);
  send([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
  const points = Array.from(reply.text);
  for (let start = 0; start < points.length; start += CHUNK_SIZE) {
    if (chunkDelayMs > 0) await sleep(chunkDelayMs);
    if (response.destroyed) return;
    send([{ index: 0, delta: { content: points.slice(start, start + CHUNK_SIZE).join('') }, finish_reason: null }]);
  }
  send([{ index: 0, delta: {}, finish_reason: reply.finishReason }]);
  if (body.stream_options?.include_usage === true) send([], { usage });
  response.end('data: [DONE]\n\n');
}

/** The request handler, usable on any node:http server. */
export function createSimulatedHandler(options: SimulatedEndpointOptions = {}): (request: IncomingMessage, response: ServerResponse) => void {
  const chunkDelayMs = options.chunkDelayMs ?? DEFAULT_CHUNK_DELAY_MS;
  const cache = new PromptCache();
  return (request, response) => {
    void (async () => {
      if (options.allowedHosts && !options.allowedHosts.includes(request.headers.host ?? '')) return sendError(response, 403, 'unexpected Host header', 'forbidden');
      const path = (request.url ?? '').split('?')[0];
      if (request.method === 'GET' && path === '/v1/models') {
        response.writeHead(200, { 'content-type': 'application/json' });
        return response.end(JSON.stringify({ object: 'list', data: [] }));
      }
      if (path !== '/v1/chat/completions') return sendError(response, 404, `no route ${request.method} ${path}`, 'not_found');
      if (request.method !== 'POST') return sendError(response, 405, 'use POST');
      const text = await readBody(request);
      if (text === undefined) return sendError(response, 413, `request body over ${MAX_BODY_BYTES} bytes`);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return sendError(response, 400, 'the body is not valid JSON');
      }
      const parsed = requestSchema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        return sendError(response, 400, `${issue.path.join('.') || 'body'}: ${issue.message}`);
      }
      await answer(response, parsed.data, chunkDelayMs, cache);
    })().catch((error: unknown) => {
      if (!response.headersSent) sendError(response, 500, `simulated endpoint failed: ${error instanceof Error ? error.message : String(error)}`, 'server_error');
      else response.destroy();
    });
  };
}

/** Starts the endpoint on 127.0.0.1 and a free port. */
export async function startSimulatedEndpoint(options: Omit<SimulatedEndpointOptions, 'allowedHosts'> = {}): Promise<SimulatedEndpoint> {
  const hosts: string[] = [];
  const server = createServer(createSimulatedHandler({ ...options, allowedHosts: hosts }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  hosts.push(`127.0.0.1:${port}`, `localhost:${port}`);
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
