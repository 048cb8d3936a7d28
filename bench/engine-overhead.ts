/**
 * Engine overhead per step with no model and no sandbox: chains of pass-through steps and a wide
 * fan-out, timed from startRun to finished(), divided by the steps the run executed.
 */
import type { RunEvent } from '../shared/events.ts';
import type { Flow } from '../shared/flow.ts';
import { flowHash } from '../shared/canonical.ts';
import { compile, startRun, type EngineServices, type ExecutorMap, type StepContext, type StepOutcome } from '../server/engine/index.ts';
import { inputExecutor } from '../server/executors/input.ts';
import { outputExecutor } from '../server/executors/output.ts';
import { approvalExecutor } from '../server/executors/approval.ts';
import { validateFlowDocument } from '../shared/validate.ts';
import { chainShape, fanOutShape, validated, validatedOrParsed, validationFindings } from './flows.ts';
import { figure, median, type BenchContext, type BenchReport, type Figure, type Target } from './stats.ts';
import { runStandalone } from './standalone.ts';

export const id = 'engine-overhead';
export const title = 'Engine overhead per step';

const METHOD =
  'Real engine (startRun from server/engine), real input/output executors, code steps given an injected pass-through ' +
  'executor `async (ctx) => ({type:"outputs", outputs: ctx.inputs})` (no sandbox, no model); onEvent counts events and ' +
  'keeps nothing. Flows are validated once, untimed. One sample = wall time of K back-to-back runs (startRun -> finished(), ' +
  'so compile, run.started with the flow hash, every step.started/step.succeeded event and run.succeeded are included) ' +
  'divided by K x the steps executed (n code steps + input + output; fan-out: 1,000 + input). K is sized so each sample ' +
  'executes about 20,000 steps; warm-up samples are discarded. No GC is forced between samples: a forced full GC makes ' +
  'the next ~50 ms of this allocation-heavy loop 3-5x slower (the young generation shrinks and has to grow again), which is not ' +
  'what a running server sees; the collector\'s normal work is included in the figures.';

const PASS_THROUGH = { run: async (context: StepContext): Promise<StepOutcome> => ({ type: 'outputs', outputs: context.inputs }) };

export function passThroughExecutors(): ExecutorMap {
  return { input: inputExecutor, output: outputExecutor, approval: approvalExecutor, code: PASS_THROUGH, model: PASS_THROUGH } as unknown as ExecutorMap;
}

let runCounter = 0;

/** Runs a flow once; resolves with how it ended. */
export async function runOnce(flow: Flow, executors: ExecutorMap, onEvent: (event: RunEvent) => void = () => undefined, services?: EngineServices): Promise<string> {
  const handle = startRun(`bench-${++runCounter}`, flow, { value: 'x' }, { executors, onEvent, ...(services ? { services } : {}) });
  return handle.finished();
}

interface Case {
  name: string;
  flow: Flow;
  steps: number;
}

const STEP_TARGET: Target = { op: '<=', value: 2.5, text: '<= 2.5 us/step' };

export async function run(context: BenchContext): Promise<BenchReport> {
  const executors = passThroughExecutors();
  const sizes = [10, 100, 1_000, 10_000];
  const cases: Case[] = sizes.map((n) => ({ name: `chain of ${n.toLocaleString('en-US')} steps`, flow: validatedOrParsed(`chain-${n}`, chainShape(n)), steps: n + 2 }));
  cases.push({ name: 'fan-out of 1,000 parallel steps', flow: validated('fan-out-1000', fanOutShape(1_000)), steps: 1_001 });

  // Correctness before timing: the chain must carry the value to the output.
  for (const item of cases) {
    let count = 0;
    let last: RunEvent | undefined;
    const status = await runOnce(item.flow, executors, (event) => {
      count++;
      last = event;
    });
    const expected = 2 * item.steps + 2;
    if (status !== 'succeeded' || count !== expected) throw new Error(`${item.name}: run ${status} with ${count} events (expected succeeded with ${expected}); last ${JSON.stringify(last).slice(0, 300)}`);
  }

  const stepsPerSample = context.quick ? 10_000 : 20_000;
  const warmup = context.quick ? 2 : 3;
  const runs = context.quick ? 4 : 15;
  const figures: Figure[] = [];
  const medians: number[] = [];
  for (const item of cases) {
    const repetitions = Math.max(1, Math.round(stepsPerSample / item.steps));
    const values: number[] = [];
    const cpu: number[] = [];
    let events = 0;
    const onEvent = (): void => {
      events++;
    };
    for (let i = 0; i < warmup + runs; i++) {
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      for (let r = 0; r < repetitions; r++) await runOnce(item.flow, executors, onEvent);
      const elapsed = performance.now() - started;
      const used = process.cpuUsage(cpuBefore);
      if (i >= warmup) {
        values.push((elapsed * 1000) / (repetitions * item.steps));
        cpu.push((used.user + used.system) / (repetitions * item.steps));
      }
    }
    const isChain = item.name.startsWith('chain');
    const result = figure({
      name: item.name,
      unit: 'us/step',
      values,
      target: STEP_TARGET,
      note: `${repetitions} run(s) per sample; process CPU time ${median(cpu).toFixed(2)} us/step (user + system, all threads)`,
    });
    figures.push(result);
    if (isChain) medians.push(result.summary.median);
    context.log(`  ${item.name}: median ${result.summary.median.toFixed(3)} us/step`);
  }
  // Flatness: per-step cost of the largest chain against the smallest.
  const ratio = medians[medians.length - 1]! / medians[0]!;
  figures.push(
    figure({
      name: 'flatness: per step at 10,000 / at 10 steps',
      unit: 'ratio',
      values: [ratio],
      target: { op: '<=', value: 1.25, text: 'flat: <= 1.25x' },
      note: `per-step medians ${medians.map((value) => value.toFixed(2)).join(' / ')} us for ${sizes.join(' / ')} steps`,
    }),
  );
  // Per-run work outside the step loop, measured on its own. The engine caches the plan and the
  // hash per Flow object, so the rows above (the same object run after run) do not pay it; the
  // server does on every run, since it reads and validates the flow file into a new object.
  const chain = cases[context.quick ? 1 : 2]!;
  const document = JSON.parse(JSON.stringify(chain.flow)) as unknown;
  const perNode = async (work: (fresh: Flow) => unknown): Promise<number[]> => {
    const samples: number[] = [];
    for (let i = 0; i < warmup + runs; i++) {
      const copies = Array.from({ length: 10 }, () => validateFlowDocument(document).flow!);
      const started = performance.now();
      for (const copy of copies) work(copy);
      if (i >= warmup) samples.push(((performance.now() - started) * 1000) / (copies.length * chain.flow.nodes.length));
    }
    return samples;
  };
  figures.push(
    figure({ name: 'per run on a new Flow object: validateFlowDocument', unit: 'us/node', values: await perNode(() => validateFlowDocument(document)), note: 'what the server does to every flow it runs (POST /api/flows/:id/runs reads the file and validates it)' }),
    figure({ name: 'per run on a new Flow object: flowHash (cache miss)', unit: 'us/node', values: await perNode((fresh) => flowHash(fresh)) }),
    figure({ name: 'per run on a new Flow object: compile (cache miss)', unit: 'us/node', values: await perNode((fresh) => compile(fresh)) }),
  );
  return { id, title, method: METHOD, figures, findings: [...validationFindings] };
}

await runStandalone(import.meta.url, id, title, run);
