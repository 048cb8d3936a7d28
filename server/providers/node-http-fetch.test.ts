import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNodeHttpFetch } from './node-http-fetch.ts';

let server: Server;
let base: string;
let connections: number;
let handler: (request: IncomingMessage, response: ServerResponse, body: string) => void;

beforeEach(async () => {
  connections = 0;
  server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (part: string) => (body += part));
    request.on('end', () => handler(request, response, body));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

type Reply = Awaited<ReturnType<ReturnType<typeof createNodeHttpFetch>>>;

/** The body as the openai SDK reads it: an async iterator over bytes. */
function bodyOf(response: Reply): AsyncIterator<Uint8Array> {
  const body = response.body as AsyncIterable<Uint8Array>;
  return body[Symbol.asyncIterator]();
}

async function readAll(response: Reply): Promise<string> {
  let text = '';
  for await (const part of response.body as AsyncIterable<Uint8Array>) text += Buffer.from(part).toString('utf8');
  return text;
}

describe('createNodeHttpFetch', () => {
  it('sends the method, headers and body, and answers with the status, headers and body', async () => {
    handler = (request, response, body) => {
      response.writeHead(201, { 'content-type': 'application/json', 'x-request-id': 'req_1' });
      response.end(JSON.stringify({ method: request.method, auth: request.headers.authorization, length: request.headers['content-length'], body }));
    };
    const fetch = createNodeHttpFetch();
    const headers = new Headers({ Authorization: 'Bearer k', 'Content-Type': 'application/json' });
    const response = await fetch(`${base}/v1/chat/completions`, { method: 'post', headers, body: '{"a":"é"}' });
    expect(response.status).toBe(201);
    expect(response.ok).toBe(true);
    expect(response.headers.get('x-request-id')).toBe('req_1');
    expect(await response.json()).toEqual({ method: 'POST', auth: 'Bearer k', length: '10', body: '{"a":"é"}' });
  });

  it('streams the body as it arrives and keeps the connection for the next request', async () => {
    let release: () => void = () => undefined;
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: one\n\n');
      release = () => response.end('data: [DONE]\n\n');
    };
    const fetch = createNodeHttpFetch();
    for (let round = 0; round < 3; round++) {
      const response = await fetch(`${base}/stream`, { method: 'POST', body: '{}' });
      const body = bodyOf(response);
      expect(Buffer.from((await body.next()).value!).toString()).toBe('data: one\n\n');
      release();
      expect(Buffer.from((await body.next()).value!).toString()).toBe('data: [DONE]\n\n');
      // Let go of the body as the SDK does after [DONE], before reading its end.
      await body.return!();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(connections).toBe(1);
  });

  it('rejects with an AbortError when aborted before the answer, and closes the request', async () => {
    let closed: Promise<void> = Promise.resolve();
    handler = (request) => {
      closed = new Promise((resolve) => request.socket.on('close', () => resolve()));
    };
    const fetch = createNodeHttpFetch();
    const controller = new AbortController();
    const pending = fetch(`${base}/hang`, { method: 'POST', body: '{}', signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 30));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await closed;
  });

  it('errors the body with an AbortError when aborted mid-body', async () => {
    handler = (_request, response) => {
      response.writeHead(200);
      response.write('part');
    };
    const fetch = createNodeHttpFetch();
    const controller = new AbortController();
    const response = await fetch(`${base}/partial`, { signal: controller.signal });
    const body = bodyOf(response);
    await body.next();
    controller.abort();
    await expect(body.next()).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('reports a connection lost mid-body as undici does (TypeError "terminated")', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: par\n\n', () => setTimeout(() => response.socket?.destroy(), 10));
    };
    const response = await createNodeHttpFetch()(`${base}/drop`);
    await expect(readAll(response)).rejects.toMatchObject({ name: 'TypeError', message: 'terminated' });
  });

  it('answers with a body the SDK iterates directly: no web stream, bytes in order, read once', async () => {
    const parts = Array.from({ length: 40 }, (_, index) => `data: ${index}\n\n`);
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const part of parts) response.write(part);
      response.end();
    };
    const response = await createNodeHttpFetch()(`${base}/many`, { method: 'POST', body: '{}' });
    // The SDK takes `getReader` (a web ReadableStream, costly per reply) whenever the body has one.
    expect(response.body).not.toHaveProperty('getReader');
    expect(response.bodyUsed).toBe(false);
    // Read late, after every chunk arrived: nothing lost while the socket waits.
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(await readAll(response)).toBe(parts.join(''));
    expect(response.bodyUsed).toBe(true);
    await expect(response.text()).rejects.toThrow(TypeError);
  });

  it('reads a whole body with text(), json(), arrayBuffer() and blob()', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"a":');
      response.end('"é"}');
    };
    const fetch = createNodeHttpFetch();
    expect(await (await fetch(`${base}/a`)).json()).toEqual({ a: 'é' });
    expect(await (await fetch(`${base}/b`)).text()).toBe('{"a":"é"}');
    expect(Buffer.from(await (await fetch(`${base}/c`)).arrayBuffer()).toString()).toBe('{"a":"é"}');
    const blob = await (await fetch(`${base}/d`)).blob();
    expect(blob.type).toBe('application/json');
    expect(await blob.text()).toBe('{"a":"é"}');
  });

  it('rejects with TypeError "fetch failed" when nothing listens', async () => {
    const port = (server.address() as AddressInfo).port;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    server = createServer();
    await expect(createNodeHttpFetch()(`http://127.0.0.1:${port}/`)).rejects.toMatchObject({ name: 'TypeError', message: 'fetch failed' });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  it('decompresses a gzip reply', async () => {
    const { gzipSync } = await import('node:zlib');
    handler = (_request, response) => {
      response.writeHead(200, { 'content-encoding': 'gzip' });
      response.end(gzipSync('hello'));
    };
    expect(await (await createNodeHttpFetch()(`${base}/gz`)).text()).toBe('hello');
  });
});
