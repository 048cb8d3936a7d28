/**
 * A `fetch` for the openai SDK built on node:http(s) with a keep-alive agent, answering with the
 * part of a `Response` the SDK reads (node-http-response.ts), whose body streams as bytes arrive.
 *
 * Why: Node's built-in fetch (undici) costs about 1 ms of CPU per streamed chat request on this
 * machine: it builds and clones a `Request` (teeing its body stream), runs the whole fetch
 * algorithm, makes several AbortSignals, and aborts (a DOMException with a stack) when the SDK
 * releases the body after `[DONE]`. This keeps what the SDK needs and nothing else: the request
 * goes out in one write, the reply's bytes go from the socket to the SDK's read without a web
 * stream, and a body the SDK lets go of after the reply completed leaves its socket in the pool.
 *
 * Semantics the SDK relies on: connection failures reject with `TypeError('fetch failed', {cause})`;
 * an abort (the SDK's signal: its timeout, the caller's cancel) rejects, or errors the body, with
 * an `AbortError`; a connection lost mid-body errors the body with `TypeError('terminated',
 * {cause})`, as undici does. Redirects are not followed (the OpenAI API does not redirect; a 3xx
 * reaches the SDK as an error status). Compressed replies are decompressed. Bodies other than a
 * string or bytes (uploads, streams, forms: never sent by Weft) go to the global fetch.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { NodeHttpBody, NodeHttpResponse } from './node-http-response.ts';

export interface NodeHttpFetchOptions {
  /** Idle keep-alive sockets close after this long (or the server's own hint, less 1 s). */
  idleSocketMs?: number;
  /** Idle sockets kept per origin: enough for every request of a burst to find one. */
  maxIdleSockets?: number;
}

/** The global fetch's signature, answering with a `Response` or (the fast path) a NodeHttpResponse. */
export type NodeHttpFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response | NodeHttpResponse>;

function abortError(signal: AbortSignal): unknown {
  return signal.reason instanceof Error && signal.reason.name === 'AbortError' ? signal.reason : new DOMException('This operation was aborted', 'AbortError');
}

function headersObject(headers: HeadersInit | undefined): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  if (!headers) return out;
  if (headers instanceof Headers) headers.forEach((value, name) => (out[name] = value));
  else if (Array.isArray(headers)) for (const [name, value] of headers) out[name.toLowerCase()] = value;
  else for (const name of Object.keys(headers)) out[name.toLowerCase()] = (headers as Record<string, string>)[name];
  return out;
}

/** The fast path handles these bodies; anything else goes to the global fetch. */
function isPlainBody(body: unknown): body is string | Uint8Array | ArrayBuffer | null | undefined {
  return body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array || body instanceof ArrayBuffer;
}

function responseHeaders(raw: string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let index = 0; index < raw.length; index += 2) pairs.push([raw[index]!, raw[index + 1]!]);
  return pairs;
}

/** `url` stays empty, as in a constructed `Response`: the SDK only puts it in log lines. */
function reply(response: IncomingMessage, body: NodeHttpBody | null): NodeHttpResponse {
  return new NodeHttpResponse({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? '', headers: new Headers(responseHeaders(response.rawHeaders)), url: '', body });
}

function decoded(response: IncomingMessage): NodeJS.ReadableStream & { destroy(error?: Error): void } {
  const encoding = response.headers['content-encoding']?.trim().toLowerCase();
  const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : undefined;
  if (!decoder) return response;
  response.on('error', (error) => decoder.destroy(error));
  return response.pipe(decoder);
}

const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

export function createNodeHttpFetch(options: NodeHttpFetchOptions = {}): NodeHttpFetch {
  const agentOptions = { keepAlive: true, timeout: options.idleSocketMs ?? 4_000, maxFreeSockets: options.maxIdleSockets ?? 1_024, scheduling: 'lifo' as const };
  const httpAgent = new HttpAgent(agentOptions);
  const httpsAgent = new HttpsAgent(agentOptions);

  return function nodeHttpFetch(input, init = {}) {
    if (!isPlainBody(init.body) || input instanceof Request) return fetch(input, init);
    const url = typeof input === 'string' ? new URL(input) : input;
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') return fetch(input, init);
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = headersObject(init.headers);
    const body = init.body instanceof ArrayBuffer ? new Uint8Array(init.body) : (init.body ?? undefined);
    if (body !== undefined) headers['content-length'] = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;

    return new Promise<NodeHttpResponse>((resolve, reject) => {
      let settled = false;
      let onBodyAbort: (() => void) | undefined;
      const onAbort = (): void => {
        if (!settled) {
          settled = true;
          request.destroy();
          reject(abortError(signal!));
        } else onBodyAbort?.();
      };
      const detach = (): void => signal?.removeEventListener('abort', onAbort);
      const request = (secure ? httpsRequest : httpRequest)(url, { method, headers, agent: secure ? httpsAgent : httpAgent }, (response) => {
        settled = true;
        const status = response.statusCode ?? 0;
        if (NULL_BODY_STATUS.has(status) || method === 'HEAD') {
          detach();
          response.resume();
          resolve(reply(response, null));
          return;
        }
        const body = new NodeHttpBody(response, decoded(response), detach);
        onBodyAbort = () => body.fail(abortError(signal!));
        resolve(reply(response, body));
      });
      request.on('error', (error) => {
        if (settled) return;
        settled = true;
        detach();
        reject(new TypeError('fetch failed', { cause: error }));
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      request.end(body);
    });
  };
}
