/** A WebSocket test client that queues messages so a test can wait for the one it expects. */
import { WebSocket } from 'ws';

export interface TestSocket {
  socket: WebSocket;
  messages: any[];
  send(message: unknown): void;
  /** Waits for the next message (after those already taken) matching `predicate`. */
  next(predicate?: (message: any) => boolean, timeoutMs?: number): Promise<any>;
  /** Waits until the connection closes; resolves with the close code. */
  closed(timeoutMs?: number): Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

export function connectSocket(url: string, options: { headers?: Record<string, string> } = {}): Promise<TestSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers: options.headers ?? {} });
    const messages: any[] = [];
    let taken = 0;
    const waiters = new Set<() => void>();
    let closeInfo: { code: number; reason: string } | undefined;
    socket.on('message', (data) => {
      messages.push(JSON.parse(data.toString()));
      for (const wake of waiters) wake();
    });
    socket.on('close', (code, reason) => {
      closeInfo = { code, reason: reason.toString() };
      for (const wake of waiters) wake();
    });
    socket.on('error', (error) => {
      if (socket.readyState === WebSocket.CONNECTING) reject(error);
    });
    socket.on('unexpected-response', (_request, response) => reject(Object.assign(new Error(`upgrade refused: ${response.statusCode}`), { status: response.statusCode })));
    const waitFor = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
      new Promise((done, fail) => {
        const attempt = (): boolean => {
          const value = check();
          if (value === undefined) return false;
          waiters.delete(wake);
          clearTimeout(timer);
          done(value);
          return true;
        };
        const wake = (): void => void attempt();
        const timer = setTimeout(() => {
          waiters.delete(wake);
          fail(new Error(`timed out waiting for ${what}; received: ${JSON.stringify(messages.slice(taken)).slice(0, 2000)}`));
        }, timeoutMs);
        waiters.add(wake);
        attempt();
      });
    socket.on('open', () =>
      resolve({
        socket,
        messages,
        send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
        next: (predicate = () => true, timeoutMs = 5_000) => {
          let scanned = taken;
          return waitFor(
            () => {
              for (let index = scanned; index < messages.length; index++, scanned++) {
                if (predicate(messages[index])) {
                  taken = index + 1;
                  return messages[index];
                }
              }
              return undefined;
            },
            timeoutMs,
            'a message',
          );
        },
        closed: (timeoutMs = 5_000) => waitFor(() => closeInfo, timeoutMs, 'the connection to close'),
        close: async () => {
          if (socket.readyState === WebSocket.CLOSED) return;
          const done = new Promise<void>((finish) => socket.once('close', () => finish()));
          socket.close();
          await done;
        },
      }),
    );
  });
}
