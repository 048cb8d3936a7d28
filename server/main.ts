/**
 * The composition root: configuration from the environment, the flows and runs stores, the
 * services (sandbox pool, model service or the simulated endpoint), the engine through the run
 * manager, HTTP and WebSocket on one port. `startServer` is what tests call in-process (port 0);
 * running this file directly starts the server and prints its URL.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createApp } from './app.ts';
import { CasesFiles } from './evaluation/cases-files.ts';
import { EvaluationJobs } from './evaluation/evaluation-jobs.ts';
import { ConfigError, isLoopbackHost, loadServerConfig, type ServerConfig } from './config.ts';
import type { EngineServices, ExecutorLookup } from './engine/index.ts';
import { readUnfinishedRuns, RunManager } from './run-manager.ts';
import { RunMetrics } from './metrics/run-metrics.ts';
import { Scheduler } from './schedule/scheduler.ts';
import { openServerState } from './server-state.ts';
import { startRunTracing } from './telemetry/start-run-tracing.ts';
import { configuredSecrets, createEventScrubber, scrubLines } from './secret-scrub.ts';
import { createAccessPolicy, type AccessPolicy } from './security.ts';
import { openFlowsStorage } from './store/open-flows-storage.ts';
import type { FlowsStorage } from './store/open-flows-storage.ts';
import { ResolvingFlowsRepository } from './store/called-flows.ts';
import { RunsStore } from './store/runs-store.ts';
import type { RunsStorage } from './store/runs-storage.ts';
import { costSourceOf, openSpendLedger } from './spend/open-spend-ledger.ts';
import { serverSpendCapsFrom } from './spend/server-spend-caps.ts';
import { costView } from './spend/cost-view.ts';
import { flowCapsFrom } from './spend/flow-caps.ts';
import { EndedRunCosts, readCostRecords } from './spend/read-cost-records.ts';
import type { ClientLimits } from './ws/hub-client.ts';
import { WebSocketHub } from './ws/hub.ts';

/** What the server needs from server/runtime-services.ts (tests may pass their own). */
export interface ServerRuntime {
  services: EngineServices;
  simulated: boolean;
  publicInfo(): Omit<import('../shared/wire/rest-answers.ts').Health, 'ok' | 'store' | 'role' | 'workers'>;
  /** `called`: the flows it calls (subflow, map), each priced as one worst-case run. */
  estimate?(flow: import('../shared/flow.ts').Flow, inputs: Record<string, unknown>, executors: ExecutorLookup, called?: import('../shared/flow-calls.ts').FlowLookup): import('../shared/wire/rest-answers.ts').FlowEstimate;
  close(): Promise<void>;
}

export interface StartServerOptions {
  /** Environment to read (default process.env); `config` entries win over it. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  config?: Partial<ServerConfig>;
  executors?: ExecutorLookup;
  runtime?: ServerRuntime;
  /** Passed to createRuntimeServices when no runtime is given. */
  simulatedChunkDelayMs?: number;
  sandboxPoolSize?: number;
  heartbeatMs?: number;
  bodyLimitBytes?: number;
  wsMaxPayloadBytes?: number;
  wsLimits?: Partial<ClientLimits>;
  /** How the hub sends live events (server/ws/event-frames.ts); for benchmarks. */
  wsEventSending?: import('./ws/event-frames.ts').EventSending;
  log?: (line: string) => void;
  /** How often the scheduler reads saved flows again for changed triggers (server/schedule/scheduler.ts). */
  scheduleRescanMs?: number;
  /** The file operations of the runs store (tests make them fail like a full disk). */
  storeFs?: import('./store/atomic-write.ts').AtomicWriteFs;
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  config: ServerConfig;
  simulated: boolean;
  runs: RunManager;
  store: RunsStorage;
  hub: WebSocketHub;
  /** The in-process worker (database mode, role `all`). */
  worker?: import('./queue/run-worker.ts').RunWorker;
  close(): Promise<void>;
}

export function displayUrl(host: string, port: number): string {
  const name = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${name}:${port}`;
}

async function defaultRuntime(options: StartServerOptions): Promise<ServerRuntime> {
  const [{ createRuntimeServices }, { estimateFlow }] = await Promise.all([import('./runtime-services.ts'), import('./estimate.ts')]);
  const runtime = await createRuntimeServices({
    env: options.env ?? process.env,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.simulatedChunkDelayMs !== undefined ? { simulatedChunkDelayMs: options.simulatedChunkDelayMs } : {}),
    ...(options.sandboxPoolSize !== undefined ? { sandboxPoolSize: options.sandboxPoolSize } : {}),
  });
  const models = runtime.services.models!;
  return { services: runtime.services, simulated: runtime.simulated, publicInfo: runtime.publicInfo, estimate: (flow, inputs, executors, called) => estimateFlow(flow, models, inputs, executors, called ? { flows: called } : {}), close: () => runtime.close() };
}

/** A worker process (`npx weft worker`): executes queued runs, serves nothing. */
export interface RunningWorker {
  id: string;
  config: ServerConfig;
  simulated: boolean;
  runs: RunManager;
  close(): Promise<void>;
}

export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const config: ServerConfig = { ...loadServerConfig(options.env ?? process.env, options.cwd), ...options.config };
  const secrets = configuredSecrets({ env: options.env ?? process.env, ...(options.cwd ? { cwd: options.cwd } : {}) }, [config.token]);
  const log = scrubLines(options.log ?? ((line: string) => console.warn(line)), secrets);
  if (!isLoopbackHost(config.host) && config.token === undefined) throw new ConfigError(`HOST=${config.host} is reachable from other machines: set WEFT_TOKEN.`);
  const cleanup: Array<() => Promise<unknown>> = [];
  try {
    const { storage, store, runs, runtime, executors, spend, worker, flows, costSource } = await openRuns(options, config, secrets, log, cleanup);
    const endedRunCosts = new EndedRunCosts();

    let policy: AccessPolicy | undefined;
    const currentPolicy = (): AccessPolicy => {
      if (!policy) throw new Error('the server is not listening yet');
      return policy;
    };
    let webSocketClients = (): number => 0;
    const shared = await openServerState(storage.database, config.dataDir);
    const metrics = new RunMetrics({ runs, webSocketClients: () => webSocketClients() });
    const app = createApp({
      policy: currentPolicy,
      metrics,
      keys: shared.keys,
      idempotency: shared.idempotency,
      flows,
      runs,
      info: {
        estimate: (flow, inputs, called) => {
          if (!runtime.estimate) throw new Error('no model service to estimate with');
          return runtime.estimate(flow, inputs, executors, called);
        },
        health: async () => ({ ...runtime.publicInfo(), store: storage.kind, role: config.role, ...(storage.database ? await workersAlive(storage.database, config.leaseTimeoutMs) : {}) }),
      },
      cost: (query) =>
        costView(
          {
            records: (filter) => readCostRecords(costSource, filter, endedRunCosts),
            flowCaps: (flowId) => flowCapsFrom(storage.flows, flowId),
            serverCaps: spend.serverCaps,
          },
          query,
        ),
      evaluation: {
        cases: new CasesFiles(config.flowsDir),
        jobs: new EvaluationJobs({ services: () => ({ ...runtime.services, spend }), simulated: runtime.simulated }),
        estimate: (flow, inputs) => {
          if (!runtime.estimate) throw new Error('no model service to estimate with');
          return runtime.estimate(flow, inputs, executors);
        },
        simulated: runtime.simulated,
      },
      distDir: config.distDir,
      ...(options.bodyLimitBytes !== undefined ? { bodyLimitBytes: options.bodyLimitBytes } : {}),
      log,
    });
    const hub = new WebSocketHub({
      source: { exists: (runId) => runs.exists(runId), events: (runId, after) => runs.events(runId, after) },
      policy: currentPolicy,
      ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
      ...(options.wsMaxPayloadBytes !== undefined ? { maxPayloadBytes: options.wsMaxPayloadBytes } : {}),
      maxConnections: config.maxWebSocketConnections,
      ...(options.wsEventSending ? { eventSending: options.wsEventSending } : {}),
      ...(options.wsLimits ? { limits: options.wsLimits } : {}),
    });
    cleanup.unshift(() => hub.close());
    webSocketClients = () => hub.openClientCount;
    runs.onEvents((events) => hub.publish(events));

    const server = createServer(app);
    server.on('upgrade', (request, socket, head) => hub.handleUpgrade(request, socket, head));
    await listen(server, config.port, config.host);
    const port = (server.address() as AddressInfo).port;
    policy = createAccessPolicy({ host: config.host, port, token: config.token, allowedHosts: config.allowedHosts, allowedOrigins: config.allowedOrigins });
    // Stop accepting first, then close WebSocket clients (the hub), then wait for HTTP to drain.
    const httpClosed = new Promise<void>((resolve) => server.once('close', () => resolve()));
    cleanup.splice(1, 0, () => drainHttp(server, httpClosed));
    cleanup.unshift(async () => {
      server.close();
      server.closeIdleConnections();
    });
    const scheduler = new Scheduler({ flows, runs, dataDir: config.dataDir, claims: shared.tickClaims, log, ...(options.scheduleRescanMs !== undefined ? { rescanMs: options.scheduleRescanMs } : {}) });
    cleanup.unshift(async () => scheduler.close());
    await scheduler.start();

    let closing: Promise<void> | undefined;
    return {
      url: displayUrl(config.host, port),
      host: config.host,
      port,
      config,
      simulated: runtime.simulated,
      runs,
      store,
      hub,
      close: () => (closing ??= runAll(cleanup)),
      ...(worker ? { worker } : {}),
    };
  } catch (error) {
    await runAll(cleanup);
    throw error;
  }
}

/** `npx weft worker`: the stores, the services and the engine, executing queued runs; no HTTP. Needs WEFT_DATABASE_URL. */
export async function startWorker(options: StartServerOptions = {}): Promise<RunningWorker> {
  const config: ServerConfig = { ...loadServerConfig(options.env ?? process.env, options.cwd), ...options.config, role: 'worker' };
  if (!config.databaseUrl) throw new ConfigError('a worker executes runs queued in PostgreSQL: set WEFT_DATABASE_URL (without it, `npm start` executes runs itself).');
  const secrets = configuredSecrets({ env: options.env ?? process.env, ...(options.cwd ? { cwd: options.cwd } : {}) }, [config.token]);
  const log = scrubLines(options.log ?? ((line: string) => console.warn(line)), secrets);
  const cleanup: Array<() => Promise<unknown>> = [];
  try {
    const { runs, runtime, worker } = await openRuns(options, config, secrets, log, cleanup);
    let closing: Promise<void> | undefined;
    return { id: worker!.id, config, simulated: runtime.simulated, runs, close: () => (closing ??= runAll(cleanup)) };
  } catch (error) {
    await runAll(cleanup);
    throw error;
  }
}

/**
 * What serving and executing share: the flows and runs stores, the runtime services, the run
 * manager (queued in database mode) and, unless the role is `api`, the worker executing queued
 * runs (in-process for `all`). `cleanup` gets what to close, in order.
 */
async function openRuns(options: StartServerOptions, config: ServerConfig, secrets: string[], log: (line: string) => void, cleanup: Array<() => Promise<unknown>>) {
  const storage = await openFlowsStorage({ databaseUrl: config.databaseUrl, flowsDir: config.flowsDir, log });
  cleanup.push(() => storage.close());
  const store = await openRunsStorage(storage, config, log, options.storeFs);
  cleanup.unshift(() => store.close());
  // Before the runtime services: starting the sandbox workers slows reading the logs several times over.
  const unfinished = await readUnfinishedRuns(store);
  const costSource = await costSourceOf(store, storage.database);
  const ledger = await openSpendLedger(costSource, { database: storage.database, log });
  // Before the store closes: what is still held then expires and is settled from the logs.
  cleanup.unshift(async () => ledger.close());
  const spend = { ledger, serverCaps: serverSpendCapsFrom(options.env ?? process.env) };
  const runtime = options.runtime ?? (await defaultRuntime(options));
  // After the store: steps aborted by closing the services must not be recorded as failed.
  cleanup.push(() => runtime.close());
  const executors = options.executors ?? (await import('./executors/index.ts')).executors;
  const queued = storage.database && config.databaseUrl ? await openQueue(config.databaseUrl, store, config, log) : undefined;
  const runs = new RunManager({
    store,
    executors,
    services: { ...runtime.services, spend },
    log,
    limits: { maxEvents: config.maxRunEvents, maxBytes: config.maxRunBytes },
    scrub: createEventScrubber(secrets),
    ...(queued ? { queue: queued.queue } : {}),
  });
  // Traces only with an OTLP endpoint configured: otherwise no exporter is even imported.
  const tracing = await startRunTracing(options.env ?? process.env, (runId) => runs.events(runId, 0));
  if (tracing) {
    runs.onEvents((events) => tracing.onEvents(events));
    cleanup.push(() => tracing.close());
  }
  const { resumed, failed } = await runs.resumeAll(unfinished);
  if (resumed.length > 0) log(`weft: resumed ${resumed.length} unfinished run${resumed.length === 1 ? '' : 's'} from ${store.kind === 'files' ? config.dataDir : storage.location}`);
  if (failed.length > 0) log(`weft: ${failed.length} run${failed.length === 1 ? '' : 's'} could not continue and were marked failed`);
  let worker: import('./queue/run-worker.ts').RunWorker | undefined;
  if (queued && storage.database && config.role !== 'api') {
    worker = await queued.startWorker({ connectionString: config.databaseUrl!, database: storage.database, runs, concurrency: config.workerConcurrency, leaseTimeoutMs: config.leaseTimeoutMs, log });
    // First of all: the worker stops its runs and hands them over while the store still writes.
    cleanup.unshift(() => worker!.close());
  }
  // Composed flows (subflow, map) are checked, listed and run with the saved flows they call.
  const flows = new ResolvingFlowsRepository(storage.flows);
  return { storage, store, runs, runtime, executors, spend, worker, flows, costSource };
}

/** Database mode: graphile-worker's schema, and the queue runs are recorded through (loaded only then). */
async function openQueue(connectionString: string, store: RunsStorage, config: ServerConfig, log: (line: string) => void) {
  const [{ migrateQueue, startRunWorker }, { PostgresRunQueue }] = await Promise.all([import('./queue/run-worker.ts'), import('./queue/postgres-run-queue.ts')]);
  await migrateQueue(connectionString, log);
  return { queue: new PostgresRunQueue(store as import('./store/postgres/runs-store-postgres.ts').PostgresRunsStore, config.leaseTimeoutMs), startWorker: startRunWorker };
}

/** How many workers sent a heartbeat within one lease timeout (unknown while the database is away). */
async function workersAlive(database: import('./store/postgres/database.ts').Database, leaseTimeoutMs: number): Promise<{ workers?: number }> {
  const { aliveWorkers } = await import('./queue/queue-sql.ts');
  try {
    return { workers: await aliveWorkers(database, leaseTimeoutMs) };
  } catch {
    return {};
  }
}

/**
 * The runs store: PostgreSQL when the flows storage opened a database (WEFT_DATABASE_URL; the
 * same pool, loaded only then), otherwise files in the data directory, locked to this process.
 */
async function openRunsStorage(storage: FlowsStorage, config: ServerConfig, log: (line: string) => void, fs?: import('./store/atomic-write.ts').AtomicWriteFs): Promise<RunsStorage> {
  if (storage.database) {
    const { PostgresRunsStore } = await import('./store/postgres/runs-store-postgres.ts');
    return PostgresRunsStore.open({ database: storage.database, log });
  }
  return RunsStore.open({ dataDir: config.dataDir, log, ...(fs ? { fs } : {}) });
}

/** Runs every shutdown step in order, reporting (not stopping at) a failing one. */
async function runAll(steps: Array<() => Promise<unknown>>): Promise<void> {
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      console.error(`weft: while shutting down: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Requests in flight get a moment to finish before their connections are cut. */
async function drainHttp(server: Server, closed: Promise<void>): Promise<void> {
  const timer = setTimeout(() => server.closeAllConnections(), 1_000);
  await closed;
  clearTimeout(timer);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { runFromCommandLine } = await import('./main-process.ts');
  await runFromCommandLine(startServer);
}
