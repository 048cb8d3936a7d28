/**
 * Starts a real server in-process on 127.0.0.1, port 0, with temporary flows and data
 * directories, the real engine, executors and sandbox, and the simulated model endpoint.
 */
import { startServer, type RunningServer, type StartServerOptions } from '../main.ts';
import type { TestDatabase } from '../store/postgres/testing/test-database.ts';
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

/**
 * With WEFT_TEST_STORE=postgres (scripts/test-all.mjs runs the server suites that way too), a
 * server started without a database gets a fresh one of its own, dropped when it is closed.
 */
async function databaseForServer(options: StartServerOptions): Promise<TestDatabase | undefined> {
  if (process.env.WEFT_TEST_STORE !== 'postgres' || options.config?.databaseUrl !== undefined) return undefined;
  const { createTestDatabase } = await import('../store/postgres/testing/test-database.ts');
  return createTestDatabase();
}

export async function startTestServer(options: StartServerOptions & { dirs?: TempDirs } = {}): Promise<TestServer> {
  const dirs = options.dirs ?? makeTempDirs();
  const warnings: string[] = [];
  const database = await databaseForServer(options);
  const server = await startServer({
    env: {},
    simulatedChunkDelayMs: 0,
    sandboxPoolSize: 1,
    log: (line) => warnings.push(line),
    ...options,
    config: { host: '127.0.0.1', port: 0, flowsDir: dirs.flowsDir, dataDir: dirs.dataDir, ...(database ? { databaseUrl: database.url } : {}), ...options.config },
  }).catch(async (error: unknown) => {
    await database?.drop();
    throw error;
  });
  const stop = async (): Promise<void> => {
    await server.close();
    await database?.drop();
  };
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

/**
 * The run's state (GET /api/runs/:runId) once `accept` takes it, looked at now and again after
 * each stored event of the run. Waits for the event that gets the run there rather than polling
 * against a deadline of its own: on a loaded machine a run may take far longer than usual, and
 * only the test's timeout should bound the wait.
 */
export function runReaches(test: TestServer, runId: string, accept: (state: any) => boolean): Promise<any> {
  return new Promise((resolve, reject) => {
    let done = false;
    let looking = false;
    let again = false;
    const finish = (settle: () => void) => {
      done = true;
      stop();
      settle();
    };
    const look = async (): Promise<void> => {
      if (looking) return void (again = true);
      looking = true;
      try {
        do {
          again = false;
          const state = (await test.api.get(`/api/runs/${runId}`)).body;
          if (!done && accept(state)) return finish(() => resolve(state));
        } while (again && !done);
      } catch (error) {
        finish(() => reject(error));
      } finally {
        looking = false;
      }
    };
    const stop = test.server.store.onStored((events) => {
      if (!done && events.some((event) => event.runId === runId)) void look();
    });
    void look();
  });
}

/** The run's state once it has a status in `statuses` (see runReaches). */
export function runStatus(test: TestServer, runId: string, ...statuses: string[]): Promise<any> {
  return runReaches(test, runId, (state) => statuses.includes(state?.status));
}
