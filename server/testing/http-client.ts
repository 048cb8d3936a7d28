/**
 * Raw HTTP for tests, over node:http so that tests control every header (Host, Origin) and can
 * send paths exactly as written (`..`, `%2e%2e%2f`, `%00`), which fetch would normalise or refuse.
 */
import { request as httpRequest } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed JSON body, or undefined. */
  body: any;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string | undefined>;
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown;
}

export function rawRequest(port: number, options: RawRequest): Promise<RawResponse> {
  const headers: Record<string, string> = { host: `127.0.0.1:${port}` };
  let payload: Buffer | undefined;
  if (options.body !== undefined) {
    payload = Buffer.isBuffer(options.body) ? options.body : Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  }
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === undefined) delete headers[name.toLowerCase()];
    else headers[name.toLowerCase()] = value;
  }
  return new Promise((resolve, reject) => {
    // A connection of its own (agent: false), not one pooled by Node's global keep-alive agent: the
    // server runs in the test's process, so after a long synchronous stretch on a loaded machine
    // its 5 s keep-alive timer closes a pooled socket in the same turn a request is sent on it,
    // and the request fails with ECONNRESET.
    const request = httpRequest({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers, setHost: false, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = undefined;
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, body });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(payload);
  });
}

/** A JSON API client bound to one server. */
export function apiClient(port: number, defaults: Record<string, string> = {}) {
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string | undefined> = {}) =>
    rawRequest(port, { method, path, ...(body !== undefined ? { body } : {}), headers: { ...defaults, ...headers } });
  return {
    get: (path: string, headers?: Record<string, string | undefined>) => call('GET', path, undefined, headers),
    post: (path: string, body?: unknown, headers?: Record<string, string | undefined>) => call('POST', path, body, headers),
    put: (path: string, body?: unknown, headers?: Record<string, string | undefined>) => call('PUT', path, body, headers),
    delete: (path: string, headers?: Record<string, string | undefined>) => call('DELETE', path, undefined, headers),
  };
}
export type ApiClient = ReturnType<typeof apiClient>;
