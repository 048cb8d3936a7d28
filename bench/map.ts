/**
 * Map over many items (issue 16): per-item overhead of a map over 1,000 items of a trivial code
 * child, beside the engine's per-step figure from the same process; and a map over 100 items of a
 * model child at a fixed model latency, against the ideal time for its concurrency.
 */
import type { Flow } from '../shared/flow.ts';
import { flow } from '../shared/testing/flow-builder.ts';
import { InMemoryChildRuns } from '../server/child-runs/in-memory-child-runs.ts';
import { prepared } from '../server/child-runs/testing/compose-flows.ts';
import { startRun, type EngineServices, type ExecutorMap, type RunLink } from '../server/engine/index.ts';
import { executors as realExecutors } from '../server/executors/index.ts';
import { mapExecutor } from '../server/executors/map.ts';
import { startChild } from './children.ts';
import { passThroughExecutors, runOnce } from './engine-overhead.ts';
import { chainShape, validated } from './flows.ts';
import { collectGarbage, figure, median, type BenchContext, type BenchReport, type Figure } from './stats.ts';
import { runStandalone } from './standalone.ts';

export const id = 'map';
export const title = 'Map over many items';

const LATENCY_MS = 50;
const MODEL_ITEMS = 100;

const METHOD =
  'Real engine, real map executor and InMemoryChildRuns (as `weft run` wires child runs: each item is a child run with its own ' +
  'id and event log kept in memory). (1) A map over 1,000 strings of a child flow input -> code -> output whose code step is the ' +
  'injected pass-through executor of engine-overhead.ts (no sandbox), at concurrency 1 and 32, and once more with the real code executor and sandbox at concurrency 4; one sample = wall time of one ' +
  'parent run / 1,000 items. Beside it, in the same process, a 1,000-step pass-through chain through the engine (us/step), ' +
  'so per item / per step says what a child run costs in engine steps (a child run is 3 steps plus its start and end). ' +
  `(2) A map over ${MODEL_ITEMS} items of a child input -> model -> output, real model executor, ModelService and openai SDK ` +
  `(streaming) against bench/fixed-latency-openai.ts (${LATENCY_MS} ms per reply) in its own process; wall time of the parent run ` +
  `against the ideal ceil(${MODEL_ITEMS}/C) x ${LATENCY_MS} ms for concurrency C. Warm-up runs are discarded.`;

function codeChild(): Flow {
  return flow('item', 'Item')
    .input('in', { text: 'string' })
    .code('work', { inputs: { text: 'string' }, outputs: { text: 'string' } })
    .output('out', { text: 'string' })
    .wire('in.text', 'work.text')
    .wire('work.text', 'out.text')
    .build();
}

function modelChild(): Flow {
  return flow('item', 'Item')
    .input('in', { text: 'string' })
    .model('ask', { prompt: 'Classify: {{text}}' })
    .output('out', { answer: 'string' })
    .wire('in.text', 'ask.text')
    .wire('ask.result', 'out.answer')
    .build();
}

function mapper(concurrency: number): Flow {
  return flow('mapper', 'Mapper')
    .input('in', { texts: 'json' })
    .node({ id: 'each', kind: 'map', config: { flow: 'item', itemInput: 'text', concurrency, onItemFailure: 'fail' } })
    .output('out', { results: 'json' })
    .wire('in.texts', 'each.items')
    .wire('each.results', 'out.results')
    .build();
}

let runCounter = 0;

/** One parent run of the map over `items`; resolves with its wall time in ms, or throws unless every item succeeded. */
async function mapRun(parent: { flow: Flow; link: RunLink }, executors: ExecutorMap, services: EngineServices, items: string[]): Promise<number> {
  const children = new InMemoryChildRuns({ executors, services });
  const started = performance.now();
  let outputs: Record<string, unknown> | undefined;
  const handle = startRun(
    `bench-map-${++runCounter}`,
    parent.flow,
    { texts: items },
    { executors, services: { ...services, children }, onEvent: (event) => (event.type === 'run.succeeded' ? (outputs = event.outputs) : undefined) },
    parent.link,
  );
  const status = await handle.finished();
  const elapsed = performance.now() - started;
  const results = outputs?.results;
  if (status !== 'succeeded' || !Array.isArray(results) || results.length !== items.length) {
    throw new Error(`map run ${status} with ${Array.isArray(results) ? results.length : 'no'} results for ${items.length} items: ${JSON.stringify(handle.terminalEvent).slice(0, 300)}`);
  }
  if (children.children.size !== items.length) throw new Error(`map of ${items.length} items started ${children.children.size} child runs`);
  return elapsed;
}

async function codeChildFigures(context: BenchContext): Promise<Figure[]> {
  const executors = { ...passThroughExecutors(), map: mapExecutor } as unknown as ExecutorMap;
  const items = Array.from({ length: 1_000 }, (_, index) => `item ${index}`);
  const warmup = context.quick ? 2 : 3;
  const runs = context.quick ? 5 : 15;

  // The engine's per-step figure, here and now (same process, same load).
  const chain = validated('chain-1000', chainShape(1_000));
  const chainSteps = 1_002;
  const stepValues: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const started = performance.now();
    for (let r = 0; r < 10; r++) {
      const status = await runOnce(chain, executors);
      if (status !== 'succeeded') throw new Error(`chain of 1,000 ${status}`);
    }
    if (i >= warmup) stepValues.push(((performance.now() - started) * 1000) / (10 * chainSteps));
  }
  const perStep = median(stepValues);
  context.log(`  chain of 1,000: median ${perStep.toFixed(2)} us/step`);
  const figures: Figure[] = [figure({ name: 'engine: chain of 1,000 pass-through steps (same run)', unit: 'us/step', values: stepValues, note: '10 runs per sample' })];

  for (const concurrency of [1, 32]) {
    const parent = await prepared(mapper(concurrency), [codeChild()]);
    const perItem: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < warmup + runs; i++) {
      const cpuBefore = process.cpuUsage();
      const elapsed = await mapRun(parent, executors, {}, items);
      const used = process.cpuUsage(cpuBefore);
      if (i >= warmup) {
        perItem.push((elapsed * 1000) / items.length);
        cpu.push((used.user + used.system) / items.length);
      }
    }
    const value = median(perItem);
    context.log(`  map of 1,000 code items, concurrency ${concurrency}: median ${value.toFixed(1)} us/item`);
    figures.push(
      figure({
        name: `map over 1,000 items of a code child, concurrency ${concurrency}`,
        unit: 'us/item',
        values: perItem,
        note: `${(value / perStep).toFixed(1)} engine steps' worth per item (${perStep.toFixed(2)} us/step above); process CPU ${median(cpu).toFixed(1)} us/item`,
      }),
    );
    collectGarbage();
  }

  // The same map with the real code executor and sandbox (QuickJS, in-process first), as a server runs it.
  const { createRuntimeServices } = await import('../server/runtime-services.ts');
  const runtime = await createRuntimeServices({ env: {}, simulatedChunkDelayMs: 0, sandboxPoolSize: 1 });
  try {
    const parent = await prepared(mapper(4), [codeChild()]);
    const perItem: number[] = [];
    for (let i = 0; i < 1 + (context.quick ? 3 : 10); i++) {
      const elapsed = await mapRun(parent, realExecutors as unknown as ExecutorMap, runtime.services, items);
      if (i >= 1) perItem.push((elapsed * 1000) / items.length);
    }
    context.log(`  map of 1,000 code items, real sandbox, concurrency 4: median ${median(perItem).toFixed(1)} us/item`);
    figures.push(figure({ name: 'map over 1,000 items of a code child, real code executor + sandbox, concurrency 4', unit: 'us/item', values: perItem, note: 'createRuntimeServices as `weft run` makes them (sandbox pool of 1 worker, in-process first); the identity source of the flow builder' }));
  } finally {
    await runtime.close();
  }
  return figures;
}

async function modelChildFigures(context: BenchContext): Promise<{ figures: Figure[]; findings: string[] }> {
  const { createModelService } = await import('../server/providers/index.ts');
  const { providerConfigFrom } = await import('../server/providers/config.ts');
  const modelServer = startChild(new URL('./fixed-latency-openai.ts', import.meta.url), ['--child', '--latency', String(LATENCY_MS)]);
  try {
    const { baseURL } = await modelServer.next<{ baseURL: string }>('listening', 30_000);
    const env = { OPENAI_API_KEY: 'bench-key', OPENAI_BASE_URL: baseURL };
    const services: EngineServices = { models: createModelService({ config: providerConfigFrom(undefined, env), env }) };
    const executors = realExecutors as unknown as ExecutorMap;
    const items = Array.from({ length: MODEL_ITEMS }, (_, index) => `ticket ${index}`);
    const samples = context.quick ? 2 : 5;
    const figures: Figure[] = [];
    for (const concurrency of context.quick ? [4, 16, 32] : [1, 4, 16, 32]) {
      const parent = await prepared(mapper(concurrency), [modelChild()]);
      const ideal = Math.ceil(MODEL_ITEMS / concurrency) * LATENCY_MS;
      await mapRun(parent, executors, services, items.slice(0, concurrency));
      const values: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < samples; i++) {
        const cpuBefore = process.cpuUsage();
        values.push(await mapRun(parent, executors, services, items));
        const used = process.cpuUsage(cpuBefore);
        cpu.push((used.user + used.system) / 1000 / MODEL_ITEMS);
      }
      const value = median(values);
      context.log(`  map of ${MODEL_ITEMS} model items, concurrency ${concurrency}: median ${value.toFixed(0)} ms (ideal ${ideal})`);
      figures.push(
        figure({
          name: `map over ${MODEL_ITEMS} items of a model child (${LATENCY_MS} ms), concurrency ${concurrency}`,
          unit: 'ms',
          values,
          target: { op: '<=', value: ideal * 1.2, text: `<= ${Math.round(ideal * 1.2)} ms (ideal ${ideal} + 20 %)` },
          note: `${(value / ideal).toFixed(2)}x the ideal ceil(${MODEL_ITEMS}/${concurrency}) x ${LATENCY_MS} ms; process CPU ${median(cpu).toFixed(2)} ms per item`,
        }),
      );
    }
    const stats = await modelServer.ask<{ requests: number; maxInFlight: number }>('stats');
    return { figures, findings: [`the fixed-latency model server answered ${stats.requests} requests, at most ${stats.maxInFlight} in flight at once (the largest concurrency asked for is 32)`] };
  } finally {
    await modelServer.stop();
  }
}

export async function run(context: BenchContext): Promise<BenchReport> {
  const figures = await codeChildFigures(context);
  const model = await modelChildFigures(context);
  return { id, title, method: METHOD, figures: [...figures, ...model.figures], findings: model.findings };
}

await runStandalone(import.meta.url, id, title, run);
