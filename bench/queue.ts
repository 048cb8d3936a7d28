/**
 * Runs through the queue (database mode, server/queue/): runs per second with 1 and 2 workers on
 * one database, beside file mode, and the pickup latency from a run queued to its first step
 * started. Needs PostgreSQL at WEFT_TEST_DATABASE_URL (default 127.0.0.1:5432, user postgres).
 */
import type { RunEvent } from '../shared/events.ts';
import { startServer, startWorker, type RunningServer, type RunningWorker } from '../server/main.ts';
import { createTestDatabase, probeTestDatabase } from '../server/store/postgres/testing/test-database.ts';
import { makeTempDirs } from '../server/testing/temp-dirs.ts';
import { echoFlow } from '../server/testing/fixture-flows.ts';
import { runStandalone } from './standalone.ts';
import { figure, notAvailable, type BenchContext, type BenchReport, type Figure } from './stats.ts';

export const id = 'queue';
export const title = 'Runs through the queue (PostgreSQL workers)';

const METHOD =
  'Flow: input -> output (no model or code step, so the figures are the cost of starting, queueing, picking up and recording a run). ' +
  'All runs are started at once over the run manager of an api server (startServer, WEFT_ROLE=api) and executed by 1 or 2 workers ' +
  '(startWorker, concurrency 16 each), all in this one process on one fresh database; file mode runs the same flow on a server with ' +
  'files. Runs/s = runs / time from the first start to the last run.succeeded heard by the api server. Pickup = step.started.at - ' +
  'run.started.at of each run (millisecond clock of the event times), which includes waiting behind other queued runs.';

async function throughput(server: RunningServer, runs: number): Promise<{ perSecond: number; runIds: string[] }> {
  let ended = 0;
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const off = server.runs.onEvents((events: RunEvent[]) => {
    for (const event of events) if (event.type === 'run.succeeded' && ++ended === runs) done();
  });
  const started = performance.now();
  const runIds = await Promise.all(Array.from({ length: runs }, (_, index) => server.runs.start(echoFlow('bench-queue'), { text: `run ${index}` }).then((run) => run.runId)));
  await all;
  const seconds = (performance.now() - started) / 1000;
  off();
  return { perSecond: runs / seconds, runIds };
}

async function pickups(server: RunningServer, runIds: string[]): Promise<number[]> {
  const values: number[] = [];
  for (const runId of runIds) {
    const events = (await server.runs.events(runId, 0)) ?? [];
    const start = events.find((event) => event.type === 'run.started');
    const step = events.find((event) => event.type === 'step.started');
    if (start && step) values.push(Date.parse(step.at) - Date.parse(start.at));
  }
  return values;
}

async function run({ quick, log }: BenchContext): Promise<BenchReport> {
  const probe = await probeTestDatabase();
  if (!probe.reachable) return notAvailable(id, title, METHOD, `PostgreSQL is not reachable (${probe.reason})`);
  const runs = quick ? 100 : 400;
  const figures: Figure[] = [];
  const quiet = (): undefined => undefined;

  const dirs = makeTempDirs('weft-bench-queue-');
  try {
    const files = await startServer({ env: {}, simulatedChunkDelayMs: 0, sandboxPoolSize: 1, log: quiet, config: { port: 0, flowsDir: dirs.flowsDir, dataDir: dirs.dataDir } });
    try {
      const result = await throughput(files, runs);
      log(`files: ${result.perSecond.toFixed(0)} runs/s`);
      figures.push(figure({ name: `files, ${runs} runs`, unit: 'runs/s', values: [result.perSecond] }));
    } finally {
      await files.close();
    }

    for (const count of [1, 2]) {
      const database = await createTestDatabase();
      const workers: RunningWorker[] = [];
      let api: RunningServer | undefined;
      try {
        api = await startServer({ env: {}, simulatedChunkDelayMs: 0, sandboxPoolSize: 1, log: quiet, config: { port: 0, flowsDir: dirs.flowsDir, dataDir: dirs.dataDir, databaseUrl: database.url, role: 'api' } });
        for (let index = 0; index < count; index++) workers.push(await startWorker({ env: {}, simulatedChunkDelayMs: 0, sandboxPoolSize: 1, log: quiet, config: { databaseUrl: database.url, workerConcurrency: 16 } }));
        const result = await throughput(api, runs);
        log(`${count} worker${count === 1 ? '' : 's'}: ${result.perSecond.toFixed(0)} runs/s`);
        figures.push(figure({ name: `postgres, ${count} worker${count === 1 ? '' : 's'}, ${runs} runs`, unit: 'runs/s', values: [result.perSecond] }));
        if (count === 1) {
          // Pickup when idle: one run at a time.
          const single: string[] = [];
          for (let index = 0; index < (quick ? 10 : 30); index++) single.push(...(await throughput(api, 1)).runIds);
          figures.push(figure({ name: 'pickup, idle worker', unit: 'ms', values: await pickups(api, single) }));
          figures.push(figure({ name: `pickup, ${runs} queued at once`, unit: 'ms', values: await pickups(api, result.runIds) }));
        }
      } finally {
        for (const worker of workers) await worker.close();
        await api?.close();
        await database.drop();
      }
    }
  } finally {
    dirs.remove();
  }
  return { id, title, method: METHOD, figures };
}

await runStandalone(import.meta.url, id, title, run);
