/**
 * Measures what a trivial code step costs through the public API:
 *   node --import tsx server/sandbox/measure-overhead.ts [calls] [gapMs]
 * Cold: from createSandbox to the first result (worker start, WebAssembly load, warm-up).
 * Warm: one call at a time on a started pool (queueing, messages, a fresh module instance
 * in the worker's reused locked-down realm, parse; see guest-realm.ts).
 * `gapMs` (default 0, back to back) pauses between calls, as a flow does between steps.
 */
import { createSandbox } from './index.ts';

const calls = Number(process.argv[2] ?? 500);
const gapMs = Number(process.argv[3] ?? 0);
const request = { source: 'export default (i) => ({ y: i.x })', language: 'javascript', inputs: { x: 1 } } as const;

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

const coldStart = performance.now();
const sandbox = createSandbox();
const first = await sandbox.run(request);
const coldMs = performance.now() - coldStart;
if (!first.ok) throw new Error(`trivial step failed: ${first.error.message}`);

for (let index = 0; index < 50; index += 1) await sandbox.run(request);
const samples: number[] = [];
const cpuBefore = process.cpuUsage();
for (let index = 0; index < calls; index += 1) {
  if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
  const started = performance.now();
  const result = await sandbox.run({ ...request, inputs: { x: index } });
  samples.push(performance.now() - started);
  if (!result.ok) throw new Error(`trivial step failed: ${result.error.message}`);
}
const cpu = process.cpuUsage(cpuBefore);
await sandbox.close();

samples.sort((a, b) => a - b);
const format = (ms: number): string => `${ms.toFixed(2)} ms`;
console.log(`cold start to first result: ${format(coldMs)}`);
console.log(`warm call over ${calls} calls${gapMs > 0 ? ` ${gapMs} ms apart` : ''}: median ${format(percentile(samples, 0.5))}, p90 ${format(percentile(samples, 0.9))}, p99 ${format(percentile(samples, 0.99))}`);
// CPU across all threads of the process (pool and worker), which a busy machine inflates less than wall time.
console.log(`CPU per warm call, all threads: ${format((cpu.user + cpu.system) / 1000 / calls)}`);
