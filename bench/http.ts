/**
 * JSON over HTTP for the benchmarks' clients: node:http with a keep-alive agent that holds at most
 * 64 connections, so a thousand requests at once queue on the client instead of opening a
 * thousand sockets (which the server's listen backlog answers with resets).
 */
import { Agent, request } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export function json(url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<any> {
  return new Promise((resolve, reject) => {
    const body = init.body;
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (body !== undefined) {
      headers['content-type'] ??= 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const outgoing = request(url, { method: init.method ?? 'GET', agent, headers }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => parts.push(part));
      response.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        const status = response.statusCode ?? 0;
        if (status < 200 || status >= 300) return reject(new Error(`${init.method ?? 'GET'} ${url}: ${status} ${text.slice(0, 300)}`));
        try {
          resolve(text ? JSON.parse(text) : undefined);
        } catch (error) {
          reject(error);
        }
      });
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

export function closeHttpAgent(): void {
  agent.destroy();
}

/**
 * `json`, sent once more when the connection was dropped before an answer ('socket hang up',
 * ECONNRESET): a pooled keep-alive socket the server closed just as it was reused. For requests
 * that are safe to repeat, and for runs started in bulk, where one extra run changes nothing measured.
 */
export async function jsonRetryingDrops(url: string, init: Parameters<typeof json>[1] = {}): Promise<any> {
  try {
    return await json(url, init);
  } catch (error) {
    const text = error instanceof Error ? `${error.message} ${(error as NodeJS.ErrnoException).code ?? ''}` : '';
    if (!/socket hang up|ECONNRESET/.test(text)) throw error;
    return json(url, init);
  }
}

/** Every run `GET /api/runs?<query>` lists, following its pages (`next` as `before`, 1,000 a page). */
export async function allRuns<T>(url: string, query: string): Promise<T[]> {
  const runs: T[] = [];
  let before: string | undefined;
  do {
    const page = (await jsonRetryingDrops(`${url}/api/runs?${query}&limit=1000${before ? `&before=${encodeURIComponent(before)}` : ''}`)) as { runs: T[]; next?: string };
    runs.push(...page.runs);
    before = page.next;
  } while (before !== undefined);
  return runs;
}
