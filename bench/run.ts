/**
 * `npm run bench [-- --quick] [-- --only id,id]`: runs each benchmark in its own child process
 * `npm run bench -- --peers` adds bench/peers.ts (Node-RED installed into a temporary folder, measured beside Weft).
 * (fresh heap, --expose-gc, its own servers), prints one table, and writes bench/results.json
 * (a --quick run writes bench/results.quick.json, so it never replaces the full figures).
 *
 * A benchmark whose part is missing reports "not available: <reason>"; one that crashes or runs
 * past its time limit is reported as an error. Either way the others still run.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem, type as osType, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killTree } from './children.ts';
import type { BenchReport } from './stats.ts';
import { printReports } from './table.ts';

const here = dirname(fileURLToPath(import.meta.url));

interface Entry {
  id: string;
  title: string;
  file: string;
  /** Time limits in seconds (full, quick). */
  limit: [number, number];
}

const BENCHMARKS: Entry[] = [
  { id: 'engine-overhead', title: 'Engine overhead per step', file: 'engine-overhead.ts', limit: [240, 40] },
  { id: 'code-step', title: 'Code step overhead', file: 'code-step.ts', limit: [120, 30] },
  { id: 'concurrency', title: 'Throughput under concurrency', file: 'concurrency.ts', limit: [240, 45] },
  { id: 'model-fetch', title: 'Model requests: own fetch vs undici', file: 'model-fetch.ts', limit: [300, 90] },
  { id: 'event-delivery', title: 'Event delivery to WebSocket clients', file: 'event-delivery.ts', limit: [180, 40] },
  { id: 'socket-frames', title: 'Live events: ready-made frames vs ws send', file: 'socket-frames.ts', limit: [600, 150] },
  { id: 'persistence', title: 'Persistence', file: 'persistence.ts', limit: [240, 45] },
  { id: 'canvas', title: 'Canvas in headless Chromium', file: 'canvas.ts', limit: [300, 60] },
  { id: 'invoke-http', title: 'A flow of 10 code steps invoked over HTTP', file: 'invoke-http.ts', limit: [90, 40] },
  { id: 'map', title: 'Map over many items', file: 'map.ts', limit: [180, 60] },
  { id: 'queue', title: 'Runs through the queue (PostgreSQL workers)', file: 'queue.ts', limit: [300, 120] },
];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
/** `--peers`: also install Node-RED into a temporary folder and measure beside it (bench/peers.ts). */
if (args.includes('--peers')) BENCHMARKS.push({ id: 'peers', title: 'Beside a peer: Node-RED function nodes vs Weft code steps', file: 'peers.ts', limit: [900, 600] });
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? new Set((args[onlyIndex + 1] ?? '').split(',').filter(Boolean)) : undefined;

function runChild(entry: Entry): Promise<BenchReport> {
  const limitMs = (quick ? entry.limit[1] : entry.limit[0]) * 1000;
  const started = performance.now();
  return new Promise((resolve) => {
    let report: BenchReport | undefined;
    let settled = false;
    const child: ChildProcess = fork(join(here, entry.file), quick ? ['--quick'] : [], {
      execArgv: ['--import', 'tsx', '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // Its own process group, so a timeout can stop whatever it started (servers, Chromium).
      detached: true,
      env: { ...process.env, WEFT_BENCH_CHILD: '1' },
    });
    const finish = (fallback: Omit<BenchReport, 'id' | 'title' | 'method' | 'figures'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const durationMs = performance.now() - started;
      resolve(report ? { ...report, durationMs } : { id: entry.id, title: entry.title, method: '', figures: [], ...fallback, durationMs });
    };
    const timer = setTimeout(() => {
      killGroup(child);
      finish({ error: `did not finish within ${limitMs / 1000} s (stopped)` });
    }, limitMs);
    child.on('message', (message: unknown) => {
      if (typeof message === 'object' && message !== null && (message as { type?: string }).type === 'report') report = (message as { report: BenchReport }).report;
    });
    child.on('exit', (code, signal) => {
      // Anything the benchmark left behind in its group goes too.
      killGroup(child);
      finish({ error: `exited with ${signal ?? `code ${code}`} before reporting` });
    });
    child.on('error', (error) => finish({ error: error.message }));
  });
}

/** The benchmark's process group, and every descendant that left it (Chromium makes its own group). */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  killTree(child.pid);
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function machine(): Record<string, unknown> {
  const list = cpus();
  return {
    cpuModel: list[0]?.model ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    os: `${osType()} ${release()}`,
    node: process.version,
    loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

const wallStarted = performance.now();
const startedAt = new Date().toISOString();
const before = machine();
process.stderr.write(`weft bench${quick ? ' --quick' : ''}: ${before.cpuModel}, ${before.cores} cores, ${before.memoryGiB} GiB, node ${before.node}, load ${(before.loadAverage as number[]).join(' ')}\n`);
const reports: BenchReport[] = [];
for (const entry of BENCHMARKS) {
  if (only && !only.has(entry.id)) continue;
  process.stderr.write(`\n> ${entry.title} ...\n`);
  const report = await runChild(entry);
  process.stderr.write(`  done in ${((report.durationMs ?? 0) / 1000).toFixed(1)} s${report.notAvailable ? ` (not available: ${report.notAvailable})` : report.error ? ` (error: ${report.error.split('\n')[0]})` : ''}\n`);
  reports.push(report);
}
const wallMs = performance.now() - wallStarted;

const out: string[] = [];
printReports(reports, (line) => out.push(line));
process.stdout.write(`\n${out.join('\n')}\n`);
process.stdout.write(`total wall time: ${(wallMs / 1000).toFixed(1)} s${quick ? ' (--quick)' : ''}\n`);

const after = machine();
const results = {
  tool: 'weft npm run bench',
  quick,
  date: startedAt,
  wallTimeMs: Math.round(wallMs),
  machine: { ...before, loadAverageAtEnd: after.loadAverage },
  benchmarks: reports,
};
const file = join(here, `results${only ? '.only' : ''}${quick ? '.quick' : ''}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`results written to ${file}\n`);
