/**
 * Throughput under concurrency: 1,000 runs at once of a 10-step flow (input, 8 model steps in a
 * chain, output) whose model steps are answered by a local OpenAI-compatible server after a fixed
 * 50 ms. Total time against the ideal (the critical path, 8 x 50 ms), and the server's memory.
 */
import { mkdir } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { ExecutorMap } from '../server/engine/index.ts';
import { startChild, type Child } from './children.ts';
import { modelChainFlow } from './flows.ts';
import { processCpuMs } from './process-cpu.ts';
import { allRuns, json } from './http.ts';
import { runStandalone } from './standalone.ts';
import { collectGarbage, figure, notAvailable, tryImport, type BenchContext, type BenchReport, type Figure } from './stats.ts';
import { sleep, withTempDir } from './temp.ts';

export const id = 'concurrency';
export const title = 'Throughput under concurrency';

const LATENCY_MS = 50;
const MODEL_STEPS = 8;
const IDEAL_MS = MODEL_STEPS * LATENCY_MS;

const METHOD =
  `Flow: input -> ${MODEL_STEPS} model steps in a chain (gpt-4o-mini, plain text) -> output = 10 steps. The model steps go through ` +
  'the real model executor, ModelService and openai SDK (streaming with include_usage) to bench/fixed-latency-openai.ts, a plain ' +
  `node:http OpenAI-compatible server in its own process that answers every request ${LATENCY_MS} ms after its body arrived (SSE: ` +
  `role, content, finish, usage chunks). Ideal = the critical path, ${MODEL_STEPS} x ${LATENCY_MS} ms = ${IDEAL_MS} ms, for all runs ` +
  'at once. Full server: the Weft server (startServer, real stores with fsync, WebSocket hub, executors) in its own process; the ' +
  'flow is saved with PUT /api/flows/:id, then N runs are started with N POST /api/flows/:id/runs issued at once (node:http, ' +
  'keep-alive, at most 64 connections); total = latest ' +
  'run end (endedAt of its run.succeeded, from GET /api/runs) minus the moment the first POST was sent. Server memory: peak RSS ' +
  'and heap of the server process (sampled every 20 ms, and VmHWM). Engine only: the same runs via startRun in one process with ' +
  'the real model executor and ModelService, no HTTP, no store. A warm-up batch of 20 runs precedes the timed batches.';

interface RunEntry {
  runId: string;
  status: string;
  startedAt: string;
  endedAt?: string;
}


async function runBatch(url: string, count: number): Promise<{ totalMs: number; startedMs: number; latencies: number[]; failed: number }> {
  const firstSent = Date.now();
  const ids = await Promise.all(
    Array.from({ length: count }, () =>
      json(`${url}/api/flows/bench-models/runs`, { method: 'POST', body: JSON.stringify({ inputs: { value: 'hello' } }) }).then(
        (body: { runId: string }) => body.runId,
      ),
    ),
  );
  const allStarted = Date.now() - firstSent;
  const wanted = new Set(ids);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const runs = await allRuns<RunEntry>(url, 'flowId=bench-models');
    const mine = runs.filter((run) => wanted.has(run.runId));
    const ended = mine.filter((run) => run.endedAt !== undefined);
    if (ended.length === count) {
      const last = Math.max(...ended.map((run) => Date.parse(run.endedAt!)));
      return {
        totalMs: last - firstSent,
        startedMs: allStarted,
        latencies: ended.map((run) => Date.parse(run.endedAt!) - Date.parse(run.startedAt)),
        failed: ended.filter((run) => run.status !== 'succeeded').length,
      };
    }
    if (Date.now() > deadline) throw new Error(`only ${ended.length} of ${count} runs ended within 120 s`);
    // The end time comes from the runs' own endedAt, so polling often buys nothing, and each poll
    // makes the server serialise every run of the flow (thousands) while it is being measured.
    await sleep(250);
  }
}

async function fullServer(context: BenchContext, baseURL: string, runs: number, samples: number): Promise<{ figures: Figure[]; findings: string[] }> {
  return withTempDir('concurrency', async (directory) => {
    const dataDir = join(directory, 'data');
    const flowsDir = join(directory, 'flows');
    await mkdir(flowsDir, { recursive: true });
    const server: Child = startChild(new URL('./server-child.ts', import.meta.url), [
      JSON.stringify({ dataDir, flowsDir, env: { OPENAI_API_KEY: 'bench-key', OPENAI_BASE_URL: baseURL } }),
    ]);
    try {
      const { url } = await server.next<{ url: string }>('ready', 60_000);
      await json(`${url}/api/flows/bench-models`, { method: 'PUT', body: JSON.stringify(modelChainFlow(MODEL_STEPS)) });
      const idle = await server.ask<{ rssMiB: number; heapUsedMiB: number }>('stats');
      const warm = await runBatch(url, context.quick ? 5 : 20);
      if (warm.failed > 0) throw new Error(`${warm.failed} warm-up runs did not succeed (is the model server reachable?)`);
      const totals: number[] = [];
      const startRamp: number[] = [];
      const latencies: number[] = [];
      const peakRss: number[] = [];
      const peakHeap: number[] = [];
      const cpuPerStep: number[] = [];
      for (let i = 0; i < samples; i++) {
        server.send({ type: 'reset-peaks' });
        await sleep(100);
        const cpuBefore = processCpuMs(server.process.pid);
        const batch = await runBatch(url, runs);
        const cpuAfter = processCpuMs(server.process.pid);
        if (cpuBefore !== undefined && cpuAfter !== undefined) cpuPerStep.push(((cpuAfter - cpuBefore) * 1000) / (runs * MODEL_STEPS));
        if (batch.failed > 0) throw new Error(`${batch.failed} of ${runs} runs did not succeed`);
        const stats = await server.ask<{ peakSampledRssMiB: number; peakHeapUsedMiB: number; peakRssMiB: number }>('stats');
        totals.push(batch.totalMs);
        startRamp.push(batch.startedMs);
        latencies.push(...batch.latencies);
        peakRss.push(stats.peakSampledRssMiB);
        peakHeap.push(stats.peakHeapUsedMiB);
        context.log(`  full server, ${runs} runs: ${batch.totalMs} ms (all POSTs answered after ${batch.startedMs} ms), peak RSS ${stats.peakSampledRssMiB.toFixed(0)} MiB`);
      }
      const label = `${runs.toLocaleString('en-US')} concurrent runs`;
      return {
        figures: [
          figure({
            name: `full server: ${label}, total time`,
            unit: 'ms',
            values: totals,
            target: { op: '<=', value: IDEAL_MS * 1.1, text: `<= ${Math.round(IDEAL_MS * 1.1)} ms (ideal ${IDEAL_MS} + 10 %)` },
          }),
          figure({ name: 'full server: total / ideal', unit: 'x', values: totals.map((total) => total / IDEAL_MS), target: { op: '<=', value: 1.1, text: '<= 1.10x' } }),
          figure({ name: `full server: all ${runs.toLocaleString('en-US')} POSTs answered after`, unit: 'ms', values: startRamp }),
          figure({ name: 'full server: one run, run.started -> run.succeeded', unit: 'ms', values: latencies, spread: 'p50/p99', keepSamples: false }),
          figure({ name: 'full server: peak RSS', unit: 'MiB', values: peakRss, note: `idle after start-up: RSS ${idle.rssMiB.toFixed(0)} MiB, heap ${idle.heapUsedMiB.toFixed(0)} MiB` }),
          figure({ name: 'full server: peak heap used', unit: 'MiB', values: peakHeap }),
          ...(cpuPerStep.length > 0
            ? [
                figure({
                  name: 'full server: server CPU per model step',
                  unit: 'us',
                  values: cpuPerStep,
                  note: 'user + system time of the server process (/proc, 10 ms ticks) during a batch, divided by its model steps: everything the server does for them (HTTP, runs, store, hub, engine, model requests)',
                }),
              ]
            : []),
        ],
        findings: [],
      };
    } finally {
      await server.stop();
    }
  });
}

async function engineOnly(context: BenchContext, baseURL: string, runs: number, samples: number): Promise<Figure[]> {
  const [{ startRun }, { executors }, providers] = await Promise.all([
    import('../server/engine/index.ts'),
    import('../server/executors/index.ts'),
    import('../server/providers/index.ts'),
  ]);
  const { providerConfigFrom } = await import('../server/providers/config.ts');
  const env = { OPENAI_API_KEY: 'bench-key', OPENAI_BASE_URL: baseURL };
  const models = providers.createModelService({ config: providerConfigFrom(undefined, env), env });
  const flow = modelChainFlow(MODEL_STEPS);
  let counter = 0;
  const batch = async (count: number): Promise<number> => {
    const started = performance.now();
    const handles = Array.from({ length: count }, () => startRun(`bench-conc-${++counter}`, flow, { value: 'hello' }, { executors: executors as unknown as ExecutorMap, services: { models }, onEvent: () => undefined }));
    const statuses = await Promise.all(handles.map((handle) => handle.finished()));
    const failed = statuses.filter((status) => status !== 'succeeded').length;
    if (failed > 0) throw new Error(`engine only: ${failed} of ${count} runs did not succeed`);
    return performance.now() - started;
  };
  await batch(context.quick ? 5 : 20);
  collectGarbage();
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const totals: number[] = [];
  const cpuPerCall: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const cpuBefore = process.cpuUsage();
      const total = await batch(runs);
      const used = process.cpuUsage(cpuBefore);
      cpuPerCall.push((used.user + used.system) / (runs * MODEL_STEPS));
      totals.push(total);
      context.log(`  engine only, ${runs} runs: ${total.toFixed(0)} ms`);
      collectGarbage();
    }
  } finally {
    clearInterval(sampler);
  }
  return [
    figure({
      name: `engine only: ${runs.toLocaleString('en-US')} concurrent runs, total time`,
      unit: 'ms',
      values: totals,
      target: { op: '<=', value: IDEAL_MS * 1.1, text: `<= ${Math.round(IDEAL_MS * 1.1)} ms (ideal ${IDEAL_MS} + 10 %)` },
      note: `RSS grew by up to ${((peak - rssBefore) / 2 ** 20).toFixed(0)} MiB during the batches`,
    }),
    figure({
      name: 'engine only: CPU per model step (this process)',
      unit: 'us',
      values: cpuPerCall,
      note: `user + system time of the process running the engine, per model request; ${runs.toLocaleString('en-US')} x ${MODEL_STEPS} requests need at least that x ${(runs * MODEL_STEPS).toLocaleString('en-US')} of CPU, against an ideal of ${IDEAL_MS} ms`,
    }),
  ];
}

export async function run(context: BenchContext): Promise<BenchReport> {
  const main = await tryImport('../server/main.ts');
  if (!main.ok) return notAvailable(id, title, METHOD, `server/main.ts: ${main.reason}`);
  const providers = await tryImport('../server/providers/index.ts');
  if (!providers.ok) return notAvailable(id, title, METHOD, `server/providers: ${providers.reason}`);
  const runs = context.quick ? 50 : 1_000;
  const samples = context.quick ? 1 : 3;
  const modelServer = startChild(new URL('./fixed-latency-openai.ts', import.meta.url), ['--child', '--latency', String(LATENCY_MS)]);
  try {
    const { baseURL } = await modelServer.next<{ baseURL: string }>('listening', 30_000);
    const figures: Figure[] = [];
    const findings: string[] = [];
    const full = await fullServer(context, baseURL, runs, samples);
    figures.push(...full.figures);
    findings.push(...full.findings);
    figures.push(...(await engineOnly(context, baseURL, runs, samples)));
    const stats = await modelServer.ask<{ requests: number; maxInFlight: number; cpuMs: number; connections: number }>('stats');
    findings.push(
      `the fixed-latency model server answered ${stats.requests.toLocaleString('en-US')} requests over ${stats.connections.toLocaleString('en-US')} connections, at most ${stats.maxInFlight} in flight at once, ` +
        `using ${(stats.cpuMs / 1000).toFixed(1)} s of CPU (${((stats.cpuMs * 1000) / Math.max(1, stats.requests)).toFixed(0)} us per request) on the same ${cpus().length} cores`,
    );
    return { id, title, method: METHOD, figures, findings };
  } finally {
    await modelServer.stop();
  }
}

await runStandalone(import.meta.url, id, title, run);
