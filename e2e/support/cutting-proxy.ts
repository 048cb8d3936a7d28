/**
 * A forward HTTP proxy (node:http over node:net) that the browser is told to use, so a test can
 * drop the page's WebSocket like a flaky network does: destroy both ends of every open WebSocket
 * tunnel at a chosen moment, and refuse new ones for a while.
 *
 * Why a forward proxy and not a reverse one on its own port: the server only answers to its own
 * `Host` and `Origin` (server/security.ts, DNS-rebinding protection), port included, so a page
 * opened at `http://127.0.0.1:<proxy port>` gets 403 for its API calls and its WebSocket upgrade.
 * Through a forward proxy the page keeps the server's real origin, and only the transport goes
 * through the test. Chromium sends plain HTTP as absolute-form requests (forwarded here one by one)
 * and tunnels `ws://` through `CONNECT`; the tunnel is a raw TCP relay, and one whose server
 * answers `101 Switching Protocols` is counted as a WebSocket.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface CuttingProxy {
  /** `http://127.0.0.1:<port>`, for Playwright's `proxy.server`. */
  url: string;
  /** WebSocket upgrades the server accepted through the proxy (`101` seen in a tunnel). */
  readonly upgrades: number;
  /** Tunnels refused while `refuse` was in force. */
  readonly refused: number;
  /** Destroys both sides of every open WebSocket tunnel; returns how many were cut. */
  cutWebSockets(): number;
  /** Answers new tunnels with 503 until `allow` (plain HTTP still goes through). */
  refuse(): void;
  allow(): void;
  close(): Promise<void>;
}

interface Tunnel {
  client: Socket;
  upstream: Socket;
  webSocket: boolean;
}

/** Starts the proxy on a free 127.0.0.1 port; it forwards only to `target` (e.g. `http://127.0.0.1:4317`). */
export async function startCuttingProxy(target: string): Promise<CuttingProxy> {
  const { hostname, port } = new URL(target);
  const authority = `${hostname}:${port}`;
  const tunnels = new Set<Tunnel>();
  let upgrades = 0;
  let refused = 0;
  let refusing = false;

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(request.url ?? '');
    } catch {
      return void response.writeHead(400).end('absolute-form request expected');
    }
    if (url.host !== authority) return void response.writeHead(403).end(`this proxy only forwards to ${authority}`);
    const headers = { ...request.headers };
    delete headers['proxy-connection'];
    const forwarded = httpRequest({ host: hostname, port: Number(port), method: request.method, path: `${url.pathname}${url.search}`, headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
      answer.pipe(response);
    });
    forwarded.on('error', () => response.destroy());
    request.pipe(forwarded);
  });

  server.on('connect', (request: IncomingMessage, client: Socket, head: Buffer) => {
    client.on('error', () => undefined);
    if (request.url !== authority) return void client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    if (refusing) {
      refused++;
      return void client.end('HTTP/1.1 503 Service Unavailable\r\n\r\n');
    }
    const upstream = connect(Number(port), hostname);
    const tunnel: Tunnel = { client, upstream, webSocket: false };
    tunnels.add(tunnel);
    const drop = () => {
      tunnels.delete(tunnel);
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.once('data', (first: Buffer) => {
        if (first.subarray(0, 12).toString('latin1') === 'HTTP/1.1 101') {
          tunnel.webSocket = true;
          upgrades++;
        }
      });
      client.pipe(upstream);
      upstream.pipe(client);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${address.port}`,
    get upgrades() {
      return upgrades;
    },
    get refused() {
      return refused;
    },
    cutWebSockets() {
      let cut = 0;
      for (const tunnel of [...tunnels]) {
        if (!tunnel.webSocket) continue;
        tunnels.delete(tunnel);
        tunnel.client.destroy();
        tunnel.upstream.destroy();
        cut++;
      }
      return cut;
    },
    refuse() {
      refusing = true;
    },
    allow() {
      refusing = false;
    },
    close() {
      for (const tunnel of tunnels) {
        tunnel.client.destroy();
        tunnel.upstream.destroy();
      }
      tunnels.clear();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
