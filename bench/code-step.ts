/**
 * Code step overhead: a trivial code step in the real sandbox (QuickJS in worker threads), cold and
 * warm, measured on the sandbox directly and through the engine's real code executor.
 */
import type { Flow } from '../shared/flow.ts';
import type { ExecutorMap, SandboxService } from '../server/engine/index.ts';
import { passThroughExecutors, runOnce } from './engine-overhead.ts';
import { chainShape, codeNode, validated } from './flows.ts';
import { runStandalone } from './standalone.ts';
import { sleep } from './temp.ts';
import { HOSTILE_STEPS } from '../server/sandbox/test-fixtures/hostile-steps.ts';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { collectGarbage, figure, notAvailable, tryImport, type BenchContext, type BenchReport, type Figure } from './stats.ts';

export const id = 'code-step';
export const title = 'Code step overhead';

const SOURCE = 'export default (inputs) => ({ value: inputs.value })';
const SPACING_MS = 3;

const METHOD =
  `A trivial step, \`${SOURCE}\` (JavaScript), on the real sandbox from server/sandbox (createSandbox: QuickJS/WebAssembly in worker ` +
  'threads; each worker keeps one locked-down QuickJS realm (every reachable intrinsic deep-frozen, no WeakRef/FinalizationRegistry/timers) ' +
  'reused across calls, and each call runs a fresh instance of the module: the source is compiled once per realm into a factory that ' +
  're-runs the module body, so top-level state is new per call; the realm is rebuilt after any limit, pending promise jobs, memory growth ' +
  'or 10,000 calls). Cold start: createSandbox({poolSize: 1}) and the first call until it answers (worker boot, QuickJS load, realm ' +
  'and lockdown, compile, run). Cold source: a source never seen before (a counter in a comment) on a warm pool (sucrase, compile of the ' +
  `factory, run). Warm, sandbox direct: the same source called back to back, one at a time; and again with ${SPACING_MS} ms between calls ` +
  '(time of the call only; the worker thread goes idle between calls and has to be woken). Warm, through the engine: a chain of 20 code steps ' +
  '(input -> 20 x code -> output) run by the real engine with the real code executor (server/executors/code.ts) over the sandbox ' +
  'service as the server wires it; per step = run time / 20 after 50 warm-up runs (10 with --quick), 10 runs per sample (5), the engine share included (see the engine-overhead rows). ' +
  'Each warm figure is given twice: "in-process first" is the default sandbox (a call runs on the server thread under a 2 ms interrupt budget and a 16 MiB heap, and moves to a worker only past them; the log line gives the placements), "worker only" is the same pool with inProcessBudgetMs: 0 (every call hops to a worker, as before). ' +
  'Warm throughput: 2,000 calls (200 with --quick) in flight on the default pool of 2 workers, wall time / calls. ' +
  'Process CPU time (all threads: main, workers, V8 helpers) per warm back-to-back call is given too; it moves less with load. ' +
  'Worst event-loop delay: the hostile steps of server/sandbox/test-fixtures/hostile-steps.ts (built-ins that run long in C without polling QuickJS\'s interrupt, given sizes that took 0.2 to 10 s on the server thread before the in-process guards), each trusted with a harmless input and then tried in-process with a hostile one, under monitorEventLoopDelay (1 ms resolution); the log line says how many were moved to a worker.';

const FINDINGS = [
  'Where a warm call goes (2026-11-26, load average 6-11 on 2 cores, so every figure is inflated 2-4x): the work inside the worker ' +
    '(run the cached factory, call the default export, JSON.stringify, about ten QuickJS FFI calls) is 14-23 us in a tight loop and ' +
    '40-120 us between messages; the rest is the thread hop. A bare worker postMessage round trip with a small object measured about ' +
    '50 us, the pool with a worker that only echoes 70-130 us per call (request check, a kill timer per call, ref/unref, reply parse), ' +
    'and postMessage itself 50-180 us inside the worker. A SharedArrayBuffer + Atomics.wait/waitAsync round trip measured 25-40 us ' +
    'against about 50 us: not adopted, since a worker blocked in Atomics.wait cannot receive messages and large sources, inputs and ' +
    'outputs would need a second path. A new realm (context, prelude, lockdown) costs about 8-12 ms and is made after the answer.',
  'Round four (2026-12-06, bench/README.md): an in-process step no longer makes abort signals or a timer (they were about a quarter ' +
    'of it), nor spreads or key strings per call, and Math.random is reseeded on first draw; paired, the chain went from 77-82 to ' +
    '30 us of process CPU per step and a call back to back from 31-32 to 17-22 us. Under load most calls leave the in-process path ' +
    '(a call descheduled past the budget moves, one over 10 ms sends its source to the workers), so read the in-process rows with ' +
    'their placements.',
];

type SandboxModule = typeof import('../server/sandbox/index.ts');
type Sandbox = import('../server/sandbox/index.ts').Sandbox;

export async function run(context: BenchContext): Promise<BenchReport> {
  const imported = await tryImport<SandboxModule>('../server/sandbox/index.ts');
  if (!imported.ok) return notAvailable(id, title, METHOD, `server/sandbox: ${imported.reason}`);
  const codeModule = await tryImport<typeof import('../server/executors/code.ts')>('../server/executors/code.ts');
  if (!codeModule.ok) return notAvailable(id, title, METHOD, `server/executors/code.ts: ${codeModule.reason}`);
  const { createSandbox } = imported.module;
  const poolModule = await tryImport<typeof import('../server/sandbox/create-sandbox.ts')>('../server/sandbox/create-sandbox.ts');
  if (!poolModule.ok) return notAvailable(id, title, METHOD, `server/sandbox/create-sandbox.ts: ${poolModule.reason}`);
  const { createSandboxPool } = poolModule.module;
  const quick = context.quick;
  const figures: Figure[] = [];
  const inputs = { value: 'hello' };

  // ---- cold start ----
  const coldStart: number[] = [];
  for (let i = 0; i < (quick ? 1 : 5); i++) {
    collectGarbage();
    const started = performance.now();
    const sandbox = createSandbox({ poolSize: 1 });
    const result = await sandbox.run({ source: SOURCE, language: 'javascript', inputs });
    coldStart.push(performance.now() - started);
    await sandbox.close();
    if (!result.ok) throw new Error(`cold sandbox call failed: ${result.error.message}`);
  }
  figures.push(figure({ name: 'cold start: new sandbox + first call', unit: 'ms', values: coldStart }));
  context.log(`  cold start: ${figures.at(-1)!.summary.median.toFixed(1)} ms`);

  const placements: Record<'default' | 'workerOnly', Record<string, number>> = { default: {}, workerOnly: {} };
  let lastPlacement = '';
  const count = (bucket: Record<string, number>) => (placement: string) => {
    bucket[placement] = (bucket[placement] ?? 0) + 1;
    lastPlacement = placement;
  };
  const sandbox = createSandboxPool({ onPlacement: count(placements.default) });
  const workerOnly = createSandboxPool({ inProcessBudgetMs: 0, onPlacement: count(placements.workerOnly) });
  try {
    // Wait for the in-process engine (it loads in the background) and both pools' workers.
    for (let i = 0; i < 2000 && (placements.default['in-process'] ?? 0) === 0; i++) {
      await sandbox.run({ source: SOURCE, language: 'javascript', inputs });
      await sleep(5);
    }
    await Promise.all([0, 1].map(() => workerOnly.run({ source: SOURCE, language: 'javascript', inputs })));
    // Let both workers start.
    await Promise.all([0, 1].map(() => sandbox.run({ source: SOURCE, language: 'javascript', inputs })));

    // ---- cold source on a warm pool ----
    const coldSource: number[] = [];
    for (let i = 0; i < (quick ? 10 : 100); i++) {
      const started = performance.now();
      const result = await sandbox.run({ source: `${SOURCE} // ${i} ${Math.random()}`, language: 'javascript', inputs });
      coldSource.push((performance.now() - started) * 1000);
      if (!result.ok) throw new Error(result.error.message);
    }
    figures.push(figure({ name: 'cold source (new code, warm pool)', unit: 'us/call', values: coldSource, keepSamples: false }));

    // ---- warm: in-process first (the default), then the same calls with every call on a worker ----
    for (const where of ['in-process', 'worker'] as const) {
      const target = where === 'in-process' ? sandbox : workerOnly;
      const counts = placements[where === 'in-process' ? 'default' : 'workerOnly'];
      for (const key of Object.keys(counts)) delete counts[key];
      figures.push(...(await warmFigures(context, target, where, codeModule.module.codeExecutor)));
      context.log(`  ${where}: placements ${JSON.stringify(counts)}`);
    }

    // ---- the event loop while hostile steps are tried in-process (in-process-guards.ts) ----
    const placedRun = async (source: string, stepInputs: Record<string, unknown>): Promise<string> => {
      lastPlacement = '';
      await sandbox.run({ source, language: 'javascript', inputs: stepInputs });
      return lastPlacement;
    };
    for (const step of HOSTILE_STEPS) {
      for (let i = 0; i < 500 && (await placedRun(step.source, step.harmless)) !== 'in-process'; i++);
    }
    const delay = monitorEventLoopDelay({ resolution: 1 });
    let moved = 0;
    delay.enable();
    for (const step of HOSTILE_STEPS) {
      let placement = 'worker';
      for (let i = 0; i < 50 && placement === 'worker'; i++) {
        placement = await placedRun(step.source, step.hostile);
        await sleep(5);
      }
      if (placement === 'moved') moved += 1;
    }
    delay.disable();
    figures.push(figure({ name: `worst event-loop delay while ${HOSTILE_STEPS.length} hostile steps are tried in-process`, unit: 'ms', values: [delay.max / 1e6], keepSamples: false }));
    context.log(`  hostile steps: ${moved} of ${HOSTILE_STEPS.length} moved, worst event-loop delay ${(delay.max / 1e6).toFixed(1)} ms (p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms)`);

    // ---- warm throughput with calls in flight ----
    const throughput: number[] = [];
    const inFlight = quick ? 200 : 2_000;
    for (let s = 0; s < (quick ? 1 : 5) + 1; s++) {
      const started = performance.now();
      const results = await Promise.all(Array.from({ length: inFlight }, () => sandbox.run({ source: SOURCE, language: 'javascript', inputs })));
      if (results.some((result) => !result.ok)) throw new Error('a throughput call failed');
      if (s >= 1) throughput.push(((performance.now() - started) * 1000) / inFlight);
    }
    figures.push(figure({ name: `warm throughput, ${inFlight.toLocaleString('en-US')} calls in flight, 2 workers`, unit: 'us/call', values: throughput }));
  } finally {
    await Promise.all([sandbox.close(), workerOnly.close()]);
  }
  return { id, title, method: METHOD, figures, findings: FINDINGS };
}

/** Warm figures for one placement: back to back, spaced, and through the engine. */
async function warmFigures(context: BenchContext, sandbox: Sandbox, where: 'in-process' | 'worker', codeExecutor: unknown): Promise<Figure[]> {
  const quick = context.quick;
  const figures: Figure[] = [];
  const inputs = { value: 'hello' };
  const label = where === 'in-process' ? 'in-process first' : 'worker only';
  // ---- warm, direct ----
  const warm: number[] = [];
  const warmCpu: number[] = [];
  const perSample = quick ? 25 : 200;
  for (let s = 0; s < (quick ? 4 : 20) + 1; s++) {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    for (let i = 0; i < perSample; i++) {
      const result = await sandbox.run({ source: SOURCE, language: 'javascript', inputs });
      if (!result.ok) throw new Error(result.error.message);
    }
    const cpu = process.cpuUsage(cpuBefore);
    if (s >= 1) {
      warm.push(((performance.now() - started) * 1000) / perSample);
      warmCpu.push((cpu.user + cpu.system) / perSample);
    }
  }
  figures.push(figure({ name: `${label}: warm, sandbox direct (back to back)`, unit: 'us/call', values: warm }));
  context.log(`  ${label} warm direct: ${figures.at(-1)!.summary.median.toFixed(0)} us/call`);
  figures.push(figure({ name: `${label}: warm, sandbox direct (back to back), process CPU`, unit: 'us/call', values: warmCpu }));
  context.log(`  ${label} warm direct CPU: ${figures.at(-1)!.summary.median.toFixed(0)} us/call`);

  // ---- warm, spaced: as in a flow, where other steps run between code steps ----
  const spaced: number[] = [];
  for (let i = 0; i < (quick ? 20 : 200) + 5; i++) {
    await sleep(SPACING_MS);
    const started = performance.now();
    const result = await sandbox.run({ source: SOURCE, language: 'javascript', inputs });
    if (!result.ok) throw new Error(result.error.message);
    if (i >= 5) spaced.push((performance.now() - started) * 1000);
  }
  figures.push(figure({ name: `${label}: warm, sandbox direct (calls ${SPACING_MS} ms apart)`, unit: 'us/call', values: spaced, keepSamples: false, target: { op: '<=', value: 30, text: '<= 30 us (Node-RED function node)' } }));
  context.log(`  ${label} warm spaced: ${figures.at(-1)!.summary.median.toFixed(0)} us/call`);

  // ---- warm, through the engine and the real code executor ----
  const service: SandboxService = {
    // As server/runtime-services.ts wires it: owner, queue and start callbacks included.
    run: (request, signal) =>
      sandbox.run(
        { source: request.source, language: request.language, inputs: request.inputs, limits: { timeoutMs: request.timeoutMs }, owner: request.owner, onQueued: request.onQueued, onStart: request.onStart },
        signal,
      ),
  };
  const executors = { ...passThroughExecutors(), code: codeExecutor } as unknown as ExecutorMap;
  const steps = 20;
  const flow: Flow = validated('code-chain', chainShape(steps, 'string', (nodeId, x, y) => codeNode(nodeId, x, y, 'string', SOURCE)));
  const viaEngine: number[] = [];
  // Warmed like the peers benchmark (50 runs first), then each sample is several runs: one run per
  // sample right after the spaced calls measured the JIT warming up the engine's path (about 4x).
  const runsPerSample = quick ? 5 : 10;
  for (let warmUp = 0; warmUp < (quick ? 10 : 50); warmUp++) await runOnce(flow, executors, undefined, { sandbox: service });
  for (let s = 0; s < (quick ? 3 : 15); s++) {
    const started = performance.now();
    for (let r = 0; r < runsPerSample; r++) {
      const status = await runOnce(flow, executors, undefined, { sandbox: service });
      if (status !== 'succeeded') throw new Error(`code chain ${status}`);
    }
    viaEngine.push(((performance.now() - started) * 1000) / steps / runsPerSample);
  }
  figures.push(
    figure({
      name: `${label}: warm code step through the engine + code executor`,
      unit: 'us/step',
      values: viaEngine,
      target: { op: '<=', value: 30, text: '<= 30 us (Node-RED function node)' },
    }),
  );
  context.log(`  ${label} warm via engine: ${figures.at(-1)!.summary.median.toFixed(0)} us/step`);
  return figures;
}

await runStandalone(import.meta.url, id, title, run);
