/**
 * A scriptable OpenAI-compatible HTTP server for tests: the real `openai` SDK talks to it over
 * 127.0.0.1, so tests cover retries, streaming, aborts and error mapping as they happen on the wire.
 * Distinct from the simulated endpoint (a product feature): this one answers whatever the test
 * scripts, records every request, and is written independently of the code under test.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens?: number;
}

/** What the server answers to one request. */
export type FakeReply =
  | {
      kind: 'text';
      /** Content deltas, streamed one per SSE chunk (joined for a non-streamed request). */
      chunks: string[];
      /** null: no usage chunk even when asked for one (some compatible servers do that). */
      usage?: FakeUsage | null;
      finishReason?: string;
      delayMs?: number;
      chunkDelayMs?: number;
      /** After the chunks, keep the stream open until the client goes away. */
      hangAfterChunks?: boolean;
      /** After the chunks, cut the connection (a network failure mid-reply). */
      dropAfterChunks?: boolean;
      /** End the stream cleanly but without a finish reason (a truncated reply). */
      omitFinish?: boolean;
      /** Stream this as `delta.refusal` after the chunks (Structured Outputs refusals). */
      refusal?: string;
    }
  | { kind: 'status'; status: number; message?: string; headers?: Record<string, string>; delayMs?: number }
  /** Accept the request and never answer; ends when the client closes the connection. */
  | { kind: 'hang' };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined when it was not JSON). */
  body: any;
  /** True when the client closed the connection before the reply was complete. */
  closedByClient: boolean;
  /** Resolves when the connection for this request closes, for whatever reason. */
  closed: Promise<void>;
}

export type FakeScript = (request: RecordedRequest, index: number) => FakeReply | undefined;

export interface FakeOpenAIServer {
  /** Ends in `/v1`, as the SDK's baseURL expects. */
  baseURL: string;
  requests: RecordedRequest[];
  /** Queues replies, answered in order; when the queue is empty the script (if any) answers. */
  reply(...replies: FakeReply[]): void;
  /** Resolves once `count` requests have arrived. */
  waitForRequests(count: number): Promise<void>;
  close(): Promise<void>;
}

/** A reply of plain text split into chunks of a few characters. */
export function textReply(text: string, options: Omit<Extract<FakeReply, { kind: 'text' }>, 'kind' | 'chunks'> = {}): FakeReply {
  return { kind: 'text', chunks: text.match(/[\s\S]{1,4}/g) ?? [], ...options };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function chunk(model: string, delta: Record<string, unknown>, finishReason: string | null = null): Record<string, unknown> {
  return { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [{ index: 0, delta, finish_reason: finishReason }] };
}

function usageOf(usage: FakeUsage): Record<string, unknown> {
  return {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    total_tokens: usage.prompt_tokens + usage.completion_tokens,
    prompt_tokens_details: { cached_tokens: usage.cached_tokens ?? 0 },
  };
}

async function answerText(response: ServerResponse, body: any, reply: Extract<FakeReply, { kind: 'text' }>, recorded: RecordedRequest): Promise<void> {
  const model = typeof body?.model === 'string' ? body.model : 'unknown';
  const usage = reply.usage === undefined ? { prompt_tokens: 10, completion_tokens: reply.chunks.length } : reply.usage;
  const finishReason = reply.finishReason ?? 'stop';
  if (body?.stream !== true) {
    response.writeHead(200, { 'content-type': 'application/json' });
    const message = { role: 'assistant', content: reply.chunks.join('') };
    response.end(JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion', created: 1_700_000_000, model, choices: [{ index: 0, message, finish_reason: finishReason }], ...(usage ? { usage: usageOf(usage) } : {}) }));
    return;
  }
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const send = (data: unknown) => response.write(`data: ${JSON.stringify(data)}\n\n`);
  send(chunk(model, { role: 'assistant', content: '' }));
  for (const text of reply.chunks) {
    if (reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
    if (recorded.closedByClient) return;
    send(chunk(model, { content: text }));
  }
  if (reply.refusal) send(chunk(model, { refusal: reply.refusal }));
  if (reply.hangAfterChunks) return;
  if (reply.dropAfterChunks) {
    await sleep(30); // let the chunks reach the client first
    response.socket?.destroy();
    return;
  }
  if (!reply.omitFinish) send(chunk(model, {}, finishReason));
  if (usage && body?.stream_options?.include_usage === true) send({ ...chunk(model, {}), choices: [], usage: usageOf(usage) });
  response.end('data: [DONE]\n\n');
}

function answerStatus(response: ServerResponse, reply: Extract<FakeReply, { kind: 'status' }>): void {
  const headers = { 'content-type': 'application/json', 'retry-after-ms': '10', ...reply.headers };
  response.writeHead(reply.status, headers);
  response.end(JSON.stringify({ error: { message: reply.message ?? `fake status ${reply.status}`, type: 'fake_error', code: null, param: null } }));
}

export async function startFakeOpenAIServer(script?: FakeScript): Promise<FakeOpenAIServer> {
  const requests: RecordedRequest[] = [];
  const queue: FakeReply[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];

  const server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      let markClosed!: () => void;
      const recorded: RecordedRequest = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, body, closedByClient: false, closed: new Promise((resolve) => (markClosed = resolve)) };
      response.on('close', () => {
        if (!response.writableFinished) recorded.closedByClient = true;
        markClosed();
      });
      const index = requests.push(recorded) - 1;
      for (const waiter of waiters.filter((w) => requests.length >= w.count)) waiter.resolve();
      const reply = queue.shift() ?? script?.(recorded, index) ?? { kind: 'status', status: 500, message: 'fake-openai-server: no scripted reply left', headers: { 'x-should-retry': 'false' } };
      void (async () => {
        if (reply.kind === 'hang') return;
        if (reply.delayMs) await sleep(reply.delayMs);
        if (recorded.closedByClient) return;
        if (reply.kind === 'status') answerStatus(response, reply);
        else await answerText(response, body, reply, recorded);
      })();
    });
  });
  // Idle connections stay open until the client closes them (its agent's idle timeout): the fake
  // runs in the test's own process, so a long synchronous stretch there (a 6,000-deep reply being
  // checked on a loaded machine) lets Node's 5 s server timer close a pooled socket in the same
  // turn the client sends on it, and the request fails with a reset the test is not about.
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    reply: (...replies) => queue.push(...replies),
    waitForRequests: (count) => (requests.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }))),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
