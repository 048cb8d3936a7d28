/**
 * Where a model step's server CPU goes: the model-fetch batch (8 chained model steps at 300 ms,
 * fixed-latency-openai.ts) on a Weft server in its own process, with that process's CPU profiled
 * over the measured batch only (not start-up, not the warm-up). Not part of `npm run bench`; for
 * reading before changing something:
 *
 *   node --import tsx bench/profile-model-steps.ts [--runs 100] [--out server.cpuprofile] [--heap] [--functions]
 *
 * The server runs from an esbuild bundle of bench/server-child.ts (tsx's output maps every sample
 * to line 1), so each sample is put down to the module the bundle says it came from. Printed: CPU
 * per model step of each thread of the server process (/proc: the main thread, V8's helper threads,
 * the libuv pool), and the main thread's samples by the innermost Weft module or package on their
 * stack. Samples in a native file-system call are left out of the split: on shared cores they
 * mostly mark where the thread lost the CPU (the call itself only queues work on the libuv pool),
 * and so are the profiler's own start and stop.
 * `--functions` also splits the main thread by function: the innermost frame of that module or
 * package on the stack, with the Node.js calls it made.
 * `--heap` samples allocations instead (inspector HeapProfiler, collected objects included): KiB
 * allocated per model step, by the same owners. The profile file opens in Chrome DevTools (the
 * bundle is removed with the temporary directory, so it shows bundle positions).
 */
import { fork } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild } from './children.ts';
import { modelChainFlow } from './flows.ts';
import { allRuns, json, jsonRetryingDrops } from './http.ts';
import { sleep, withTempDir } from './temp.ts';

const MODEL_STEPS = 8;
const LATENCY_MS = 300;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
  selfSize?: number;
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

/** The wrapper bundled with the server: starts and stops the inspector's profiler on IPC messages. */
const WRAPPER = `
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
const session = new Session();
session.connect();
const heap = process.env.WEFT_PROFILE_HEAP === '1';
process.on('message', async (message) => {
  if (message.type === 'profile-start') {
    if (heap) {
      await session.post('HeapProfiler.enable');
      await session.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    } else {
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
    }
    process.send({ type: 'profile-started' });
  } else if (message.type === 'profile-stop') {
    const { profile } = await session.post(heap ? 'HeapProfiler.stopSampling' : 'Profiler.stop');
    writeFileSync(message.file, JSON.stringify(profile));
    process.send({ type: 'profile-stopped' });
  }
});
await import('./server-child.ts');
`;

/** CPU ms (user, system) of each thread of a process, by thread id. */
function threadCpu(pid: number): Map<string, { name: string; user: number; system: number }> {
  const threads = new Map<string, { name: string; user: number; system: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      threads.set(tid, { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 });
    } catch {
      // The thread ended.
    }
  }
  return threads;
}

async function runBatch(url: string, count: number): Promise<void> {
  const ids = new Set(
    await Promise.all(Array.from({ length: count }, () => jsonRetryingDrops(`${url}/api/flows/bench-models/runs`, { method: 'POST', body: JSON.stringify({ inputs: { value: 'hello' } }) }).then((body: { runId: string }) => body.runId))),
  );
  const deadline = Date.now() + 180_000;
  for (;;) {
    const runs = await allRuns<{ runId: string; endedAt?: string }>(url, 'flowId=bench-models');
    if (runs.filter((run) => ids.has(run.runId) && run.endedAt !== undefined).length === count) return;
    if (Date.now() > deadline) throw new Error('the batch did not end within 180 s');
    await sleep(500);
  }
}

/** Module of each line of the bundle, from esbuild's `// path` comments. */
function modulesByLine(bundle: string): string[] {
  const modules: string[] = [];
  let current = '?';
  for (const line of bundle.split('\n')) {
    const match = /^\/\/ (\S+\.(?:ts|js|mjs|cjs|json))$/.exec(line);
    if (match) current = match[1]!;
    modules.push(current);
  }
  return modules;
}

function ownerOf(module: string): string | undefined {
  if (module.startsWith('node_modules/')) {
    const parts = module.split('/');
    return `package ${parts[1]!.startsWith('@') ? `${parts[1]}/${parts[2]}` : parts[1]}`;
  }
  if (/^(server|shared|bench)\//.test(module)) return module.split('/').slice(0, 3).join('/');
  return undefined;
}

const FS_CALLS = new Set(['fdatasync', 'fsync', 'writeBuffer', 'writeString', 'lstat', 'stat', 'fstat', 'openFileHandle', 'open', 'close', 'rename', 'unlink', 'read', 'readFileUtf8']);

function printOwners(owners: Map<string, number>, total: number, unit: (value: number) => string, limit = 30): void {
  for (const [owner, value] of [...owners].sort((a, b) => b[1] - a[1]).slice(0, limit)) console.log(`  ${((100 * value) / total).toFixed(1).padStart(5)} %  ${unit(value).padStart(10)}  ${owner}`);
}

const runs = Number(argument('--runs') ?? 100);
const heap = process.argv.includes('--heap');
const byFunction = process.argv.includes('--functions');
const out = argument('--out') ?? join(process.cwd(), heap ? 'server.heapprofile' : 'server.cpuprofile');
let esbuild: typeof import('esbuild');
try {
  esbuild = await import('esbuild');
} catch (error) {
  console.log(`not available: esbuild (${error instanceof Error ? error.message : String(error)})`);
  process.exit(0);
}

const modelServer = startChild(new URL('./fixed-latency-openai.ts', import.meta.url), ['--child', '--latency', String(LATENCY_MS)]);
try {
  const { baseURL } = await modelServer.next<{ baseURL: string }>('listening', 30_000);
  await withTempDir('profile', async (directory) => {
    const bundlePath = join(directory, 'server.mjs');
    await esbuild.build({
      stdin: { contents: WRAPPER, resolveDir: fileURLToPath(new URL('.', import.meta.url)), loader: 'ts', sourcefile: 'profile-wrapper.ts' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: bundlePath,
      sourcemap: true,
      logLevel: 'error',
      // CommonJS packages inside an ES module bundle call require.
      banner: { js: "import { createRequire as weftCreateRequire } from 'node:module'; const require = weftCreateRequire(import.meta.url);" },
    });
    // The bundle is imported, not run, so server/main.ts does not take it for its own command line.
    const entry = join(directory, 'entry.mjs');
    await writeFile(entry, "await import('./server.mjs');\n");
    const flowsDir = join(directory, 'flows');
    await mkdir(flowsDir, { recursive: true });
    const options = { dataDir: join(directory, 'data'), flowsDir, env: { OPENAI_API_KEY: 'bench-key', OPENAI_BASE_URL: baseURL }, sampleMemory: false };
    const child = fork(entry, [JSON.stringify(options)], { env: { ...process.env, WEFT_PROFILE_HEAP: heap ? '1' : '0' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const next = <T>(type: string): Promise<T> =>
      new Promise((resolve) => {
        const listener = (message: { type?: string }) => {
          if (message.type !== type) return;
          child.off('message', listener);
          resolve(message as T);
        };
        child.on('message', listener);
      });
    try {
      const { url } = await next<{ url: string }>('ready');
      await json(`${url}/api/flows/bench-models`, { method: 'PUT', body: JSON.stringify(modelChainFlow(MODEL_STEPS)) });
      await runBatch(url, 20);
      child.send({ type: 'profile-start' });
      await next('profile-started');
      const before = threadCpu(child.pid!);
      await runBatch(url, runs);
      const after = threadCpu(child.pid!);
      child.send({ type: 'profile-stop', file: out });
      await next('profile-stopped');
      const steps = runs * MODEL_STEPS;
      let mainUs = 0;
      console.log(`server threads, CPU per model step (${runs} runs x ${MODEL_STEPS} model steps, load average ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}):`);
      for (const [tid, cpu] of after) {
        const start = before.get(tid) ?? { user: 0, system: 0 };
        const user = ((cpu.user - start.user) * 1000) / steps;
        const system = ((cpu.system - start.system) * 1000) / steps;
        if (tid === String(child.pid)) mainUs = user + system;
        if (user + system > 0) console.log(`  ${tid === String(child.pid) ? 'main' : cpu.name}#${tid}: user ${user.toFixed(0)} us, system ${system.toFixed(0)} us`);
      }

      const modules = modulesByLine(await readFile(bundlePath, 'utf8'));
      const bundleUrl = `file://${bundlePath}`;
      const moduleOf = (frame: ProfileNode['callFrame']): string => (frame.url === bundleUrl ? (modules[frame.lineNumber] ?? '?') : frame.url || `(${frame.functionName})`);
      const owners = new Map<string, number>();
      const functions = new Map<string, number>();
      let total = 0;
      if (heap) {
        const profile = JSON.parse(await readFile(out, 'utf8')) as { head: ProfileNode & { children?: ProfileNode[] } };
        const walk = (node: ProfileNode & { children?: unknown[] }, stack: ProfileNode[]): void => {
          const path = [...stack, node];
          if (node.selfSize) {
            total += node.selfSize;
            let owner: string | undefined;
            for (let index = path.length - 1; index >= 0 && owner === undefined; index--) owner = ownerOf(moduleOf(path[index]!.callFrame));
            owner ??= 'Node.js itself';
            owners.set(owner, (owners.get(owner) ?? 0) + node.selfSize);
          }
          for (const child of (node.children ?? []) as ProfileNode[]) walk(child, path);
        };
        walk(profile.head, []);
        console.log(`allocated per model step: ${(total / steps / 1024).toFixed(1)} KiB, by the innermost Weft module or package on the stack:`);
        printOwners(owners, total, (bytes) => `${(bytes / steps / 1024).toFixed(1)} KiB`);
      } else {
        const profile = JSON.parse(await readFile(out, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
        const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
        const parents = new Map<number, number>();
        for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
        profile.samples.forEach((id) => {
          const node = nodes.get(id)!;
          const name = node.callFrame.functionName;
          if (name === '(idle)' || (node.callFrame.url === '' && FS_CALLS.has(name))) return;
          // The profiler's own start and stop (the inspector walks every function of the bundle).
          for (let current: number | undefined = id; current !== undefined; current = parents.get(current)) if (nodes.get(current)!.callFrame.url === 'node:inspector') return;
          // Each sample counts once: the time since the one before is no measure of CPU when the
          // thread lost its core in between (on shared cores a quarter of the wall time can fall in
          // such gaps, all put down to whichever function happened to run when the thread got back).
          const time = 1;
          let owner = name === '(garbage collector)' ? 'GC (main thread)' : undefined;
          let ownerFrame = node.callFrame;
          for (let current: number | undefined = id; owner === undefined && current !== undefined; current = parents.get(current)) {
            ownerFrame = nodes.get(current)!.callFrame;
            owner = ownerOf(moduleOf(ownerFrame));
          }
          owner ??= `Node.js: ${moduleOf(node.callFrame)}`;
          owners.set(owner, (owners.get(owner) ?? 0) + time);
          const functionName = `${owner} > ${ownerFrame.functionName || '(anonymous)'}`;
          functions.set(functionName, (functions.get(functionName) ?? 0) + time);
          total += time;
        });
        console.log(`main thread by the innermost Weft module or package on the stack (of ${mainUs.toFixed(0)} us per model step):`);
        printOwners(owners, total, (time) => `${((mainUs * time) / total).toFixed(0)} us`);
        if (byFunction) {
          console.log('the same, by the innermost function of that module or package (with the Node.js calls it made):');
          printOwners(functions, total, (time) => `${((mainUs * time) / total).toFixed(0)} us`, 80);
        }
      }
      console.log(`profile: ${out}`);
    } finally {
      child.kill('SIGKILL');
    }
  });
} finally {
  await modelServer.stop();
}
