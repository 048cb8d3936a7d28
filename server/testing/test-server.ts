/**
 * Starts a real server in-process on 127.0.0.1, port 0, with temporary flows and data
 * directories, the real engine, executors and sandbox, and the simulated model endpoint.
 */
import { startServer, type RunningServer, type StartServerOptions } from '../main.ts';
import { apiClient, type ApiClient } from './http-client.ts';
import { makeTempDirs, type TempDirs } from './temp-dirs.ts';

export interface TestServer {
  server: RunningServer;
  api: ApiClient;
  dirs: TempDirs;
  wsUrl: string;
  warnings: string[];
  /** Closes the server (keeping the directories, so a test can start another on them). */
  stop(): Promise<void>;
  /** Closes the server and removes the directories. */
  close(): Promise<void>;
}

export async function startTestServer(options: StartServerOptions & { dirs?: TempDirs } = {}): Promise<TestServer> {
  const dirs = options.dirs ?? makeTempDirs();
  const warnings: string[] = [];
  const server = await startServer({
    env: {},
    simulatedChunkDelayMs: 0,
    sandboxPoolSize: 1,
    log: (line) => warnings.push(line),
    ...options,
    config: { host: '127.0.0.1', port: 0, flowsDir: dirs.flowsDir, dataDir: dirs.dataDir, ...options.config },
  });
  const stop = () => server.close();
  return {
    server,
    api: apiClient(server.port),
    dirs,
    wsUrl: `ws://127.0.0.1:${server.port}/ws`,
    warnings,
    stop,
    close: async () => {
      await stop();
      if (!options.dirs) dirs.remove();
    },
  };
}

/** Polls until `check` returns a value (for states reached asynchronously). */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 5_000, what = 'a condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
