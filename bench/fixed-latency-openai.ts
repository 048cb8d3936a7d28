/**
 * A local OpenAI-compatible chat completions server with a fixed latency, for the concurrency
 * benchmark. Plain node:http on 127.0.0.1 and a free port. Every POST .../chat/completions is
 * answered after exactly `latencyMs` from the end of its request body: streamed (SSE: role chunk,
 * content chunk, finish chunk, then a usage chunk when `stream_options.include_usage` asks for one,
 * then [DONE]) or as one JSON body when not streamed.
 *
 * Run it as a child process (`fork`): it sends {type:'listening', baseURL} and answers
 * {type:'stats'} with {type:'stats', requests, maxInFlight, cpuMs}. It stops when its parent goes away.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FixedLatencyServer {
  baseURL: string;
  stats(): { requests: number; maxInFlight: number; connections: number };
  close(): Promise<void>;
}

const REPLY = 'ok';
const USAGE = { prompt_tokens: 12, completion_tokens: 1, total_tokens: 13, prompt_tokens_details: { cached_tokens: 0 } };

/** The SSE text of a reply, made once per model (the server's own CPU competes with what is measured). */
const streamedReplies = new Map<string, string>();
function streamedReply(model: string, includeUsage: boolean): string {
  const key = `${includeUsage ? 'u' : 'n'}:${model}`;
  let text = streamedReplies.get(key);
  if (text === undefined) {
    const base = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model };
    const chunks: unknown[] = [
      { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: { content: REPLY }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
      ...(includeUsage ? [{ ...base, choices: [], usage: USAGE }] : []),
    ];
    text = `${chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join('')}data: [DONE]\n\n`;
    if (streamedReplies.size < 100) streamedReplies.set(key, text);
  }
  return text;
}

export async function startFixedLatencyServer(latencyMs: number): Promise<FixedLatencyServer> {
  let requests = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let connections = 0;
  const server: Server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      if (request.method !== 'POST' || !(request.url ?? '').endsWith('/chat/completions')) {
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error', code: null, param: null } }));
        return;
      }
      requests++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      let body: { model?: unknown; stream?: unknown; stream_options?: { include_usage?: unknown } } = {};
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8')) as typeof body;
      } catch {
        // Answered anyway; the benchmark sends JSON.
      }
      const model = typeof body.model === 'string' ? body.model : 'unknown';
      setTimeout(() => {
        inFlight--;
        if (body.stream !== true) {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion', created: 1_700_000_000, model, choices: [{ index: 0, message: { role: 'assistant', content: REPLY }, finish_reason: 'stop' }], usage: USAGE }));
          return;
        }
        const text = streamedReply(model, body.stream_options?.include_usage === true);
        response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
        response.end(text);
      }, latencyMs);
    });
  });
  server.on('connection', () => connections++);
  server.keepAliveTimeout = 60_000;
  // 1,000 clients connecting at once overflow the default backlog (511): the dropped SYNs are
  // retried after 1 s and more, which the benchmark would count as model latency.
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    stats: () => ({ requests, maxInFlight, connections }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

if (process.send && process.argv.includes('--child')) {
  const latency = Number(process.argv[process.argv.indexOf('--latency') + 1] ?? 50);
  const server = await startFixedLatencyServer(latency);
  // CPU spent answering, not starting up (module loading, TypeScript compilation).
  const startup = process.cpuUsage();
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'stats') {
      const cpu = process.cpuUsage(startup);
      process.send!({ type: 'stats', ...server.stats(), cpuMs: (cpu.user + cpu.system) / 1000 });
    }
    if (message.type === 'close') void server.close().then(() => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'listening', baseURL: server.baseURL });
}
