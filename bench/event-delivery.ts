/**
 * Event delivery: from the engine handing a `step.*` event to the store (the server appends, then
 * broadcasts) to a WebSocket client receiving it, p50 and p99, with 1 and 100 subscribed clients.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startChild, type Child } from './children.ts';
import { chainShape, validated } from './flows.ts';
import { json } from './http.ts';
import { processCpuMs } from './process-cpu.ts';
import { runStandalone } from './standalone.ts';
import { figure, notAvailable, percentile, tryImport, type BenchContext, type BenchReport, type Figure } from './stats.ts';
import { withTempDir } from './temp.ts';

export const id = 'event-delivery';
export const title = 'Event delivery to WebSocket clients';

const STEPS = 25;
const PACE_MS = 20;

const METHOD =
  `The Weft server (startServer) in its own process, with code steps replaced by a paced pass-through executor (each waits ` +
  `${PACE_MS} ms, so events arrive spread out as in a real run, not in one burst). Flow: input -> ${STEPS} code steps -> output, ` +
  'saved with PUT, each run started with POST /api/flows/:id/runs. The clients (ws package) live in a second process, each ' +
  'subscribing as the browser does (server/ws/hub.ts) with {type:"subscribe", runId, after: 0}; replayed events are left out, only live ones count. ' +
  'The 100 clients stand for 100 browsers on 100 machines but share that one process (and the 2 cores with the server), so each ' +
  "client's own work delays the receipt of every client after it: a message is stamped when ws hands it to the client ('message') " +
  'and its JSON is parsed after the poll phase (setImmediate), not before the next socket is read. Nothing of the path up to the ' +
  "client's 'message' is left out: the kernel, ws's frame parsing, the clients' process's GC and scheduling all count. " +
  "Latency = client receive time minus the time the engine's onEvent handed the event to RunsStore.append (stamped by wrapping " +
  'append in the server process), both on the machine-wide monotonic clock (process.hrtime). So it covers batching, the log ' +
  'write (durable: O_DSYNC), the listeners, the hub and the socket. Every step.* event of every client counts; p50 / p99 over all. ' +
  'The clients subscribe after the run has started, all at the same moment: the main rows count the events stored after every ' +
  'client had its "subscribed" answer (delivery to subscribed clients); the "including the subscribe burst" row also counts the ' +
  'events stored while 100 subscriptions (each a log read and a replay) were being answered. The server does not sample its ' +
  'memory during this benchmark (that sampling briefly takes its event loop). Findings: the breakdown per delivery, with the durable log write itself per batch (the server ' +
  'child times every FileHandle write to a run log); how far apart ' +
  "the first and the last client received each event; server and clients' process CPU per run (/proc). WEFT_BENCH_WS_SENDING=ws " +
  "makes the hub send with ws's own send, to measure the ready-made frames against. Also per batch: the batching window (first " +
  'append -> its log write began) and write returned -> publish began, and the garbage collections of both processes (perf_hooks) ' +
  'during the counted runs. Narrowed variants for paired comparisons: WEFT_BENCH_EVENT_CLIENTS (counts, e.g. 100), ' +
  'WEFT_BENCH_EVENT_RUNS (counted runs), WEFT_BENCH_EVENT_WARMUP (uncounted first runs, default 1), WEFT_BENCH_EVENT_TIMELINE ' +
  '(a file for every stamp, write, publish, receipt and collection); WEFT_BENCH_EVENT_PIN=1 is an experiment that pins the server ' +
  "to core 0 and the clients' process to core 1 (taskset), and WEFT_BENCH_EVENT_CLIENT_PROCESSES=2 splits the clients over " +
  'two processes: experiments, not the default.';

interface Stamp {
  [key: string]: number;
}


type Receipt = [client: number, seq: number, at: number, type: string];

/**
 * The clients, in one process (the default) or split over several (an experiment:
 * WEFT_BENCH_EVENT_CLIENT_PROCESSES), asked together.
 */
function startClients(url: string, count: number, processes: number) {
  const sizes = Array.from({ length: processes }, (_, index) => Math.floor(count / processes) + (index < count % processes ? 1 : 0));
  const children: Child[] = sizes.map((size) => startChild(new URL('./ws-clients-child.ts', import.meta.url), [url, String(size)]));
  return {
    pids: children.map((child) => child.process.pid!),
    connected: () => Promise.all(children.map((child) => child.next('connected', 60_000))),
    cpuMs: (): number | undefined => {
      let total = 0;
      for (const child of children) {
        const used = processCpuMs(child.process.pid);
        if (used === undefined) return undefined;
        total += used;
      }
      return total;
    },
    /** When the last client of every process had its answer. */
    subscribe: async (runId: string): Promise<number> => Math.max(...(await Promise.all(children.map((child) => child.ask<{ at: number }>('subscribe', { runId }, 'subscribed', 30_000)))).map((answer) => answer.at)),
    until: (seq: number) => Promise.all(children.map((child) => child.ask('until', { seq }, 'until', 60_000))),
    collect: async (): Promise<{ receipts: Receipt[]; collections: Array<[number, number]> }> => {
      const answers = await Promise.all(children.map((child) => child.ask<{ receipts: Receipt[]; collections: Array<[number, number]> }>('collect')));
      let offset = 0;
      const receipts: Receipt[] = [];
      answers.forEach((answer, index) => {
        for (const [client, seq, at, type] of answer.receipts) receipts.push([client + offset, seq, at, type]);
        offset += sizes[index]!;
      });
      return { receipts, collections: answers.flatMap((answer) => answer.collections) };
    },
    stop: () => Promise.all(children.map((child) => child.stop())),
  };
}

export async function run(context: BenchContext): Promise<BenchReport> {
  const main = await tryImport('../server/main.ts');
  if (!main.ok) return notAvailable(id, title, METHOD, `server/main.ts: ${main.reason}`);
  const hub = await tryImport('../server/ws/hub.ts');
  if (!hub.ok) return notAvailable(id, title, METHOD, `server/ws/hub.ts: ${hub.reason}`);
  // Narrowed variants for paired comparisons: WEFT_BENCH_EVENT_CLIENTS=100 (counts, comma-separated),
  // WEFT_BENCH_EVENT_RUNS=4 (counted runs per count), WEFT_BENCH_EVENT_TIMELINE=file.json (raw stamps).
  const runsPerCount = Number(process.env.WEFT_BENCH_EVENT_RUNS ?? (context.quick ? 1 : 8));
  const warmUpRuns = Number(process.env.WEFT_BENCH_EVENT_WARMUP ?? 1);
  const counts = (process.env.WEFT_BENCH_EVENT_CLIENTS ?? '1,100').split(',').map(Number);
  const timeline: unknown[] = [];
  const figures: Figure[] = [];
  const findings: string[] = [];
  await withTempDir('events', async (directory) => {
    const dataDir = join(directory, 'data');
    const flowsDir = join(directory, 'flows');
    await mkdir(flowsDir, { recursive: true });
    // WEFT_BENCH_WS_SENDING=ws: the hub sends with ws's own send (to measure the ready-made frames against).
    const wsEventSending = process.env.WEFT_BENCH_WS_SENDING === 'ws' ? 'ws' : undefined;
    const server: Child = startChild(new URL('./server-child.ts', import.meta.url), [
      JSON.stringify({ dataDir, flowsDir, env: {}, executors: 'paced', paceMs: PACE_MS, stampAppends: true, sampleMemory: false, ...(wsEventSending ? { wsEventSending } : {}) }),
    ]);
    try {
      const { url } = await server.next<{ url: string }>('ready', 60_000);
      const flow = validated('bench-events', chainShape(STEPS));
      await json(`${url}/api/flows/bench-events`, { method: 'PUT', body: JSON.stringify(flow) });
      const lastSeq = 2 + 2 * (STEPS + 2);
      for (const count of counts) {
        const clients = startClients(url, count, Math.min(count, Number(process.env.WEFT_BENCH_EVENT_CLIENT_PROCESSES ?? 1)));
        try {
          await clients.connected();
          if (process.env.WEFT_BENCH_EVENT_PIN === '1') {
            // Experiment: the server on core 0, the clients' process(es) on core 1 (every thread of each).
            execFileSync('taskset', ['-a', '-p', '-c', '0', String(server.process.pid)], { stdio: 'ignore' });
            for (const pid of clients.pids) execFileSync('taskset', ['-a', '-p', '-c', '1', String(pid)], { stdio: 'ignore' });
          }
          const latencies: number[] = [];
          const withBurst: number[] = [];
          const perRunP99: number[] = [];
          const parts = { stored: [] as number[], fanOut: [] as number[], wire: [] as number[], spread: [] as number[], disk: [] as number[], window: [] as number[], afterWrite: [] as number[], serverGc: [] as number[], clientsGc: [] as number[] };
          const cpu = { server: 0, clients: 0, runs: 0 };
          for (let r = 0; r < runsPerCount + warmUpRuns; r++) {
            const serverCpuBefore = processCpuMs(server.process.pid);
            const clientsCpuBefore = clients.cpuMs();
            const { runId } = (await json(`${url}/api/flows/bench-events/runs`, { method: 'POST', body: JSON.stringify({ inputs: { value: 'x' } }) })) as { runId: string };
            const subscribedAt = await clients.subscribe(runId);
            await clients.until(lastSeq);
            const serverCpuAfter = processCpuMs(server.process.pid);
            const clientsCpuAfter = clients.cpuMs();
            const { receipts, collections: clientCollections } = await clients.collect();
            const { stamps, published, diskWrites, collections: serverCollections } = await server.ask<{ stamps: Array<[string, number, number]>; published: Array<[string, number, number, number]>; diskWrites: Array<[number, number]>; collections: Array<[number, number]> }>('stamps');
            if (process.env.WEFT_BENCH_EVENT_TIMELINE) {
              const perSeq = new Map<number, number[]>();
              for (const [, seq, at] of receipts) perSeq.set(seq, [...(perSeq.get(seq) ?? []), at]);
              timeline.push({ count, run: r, subscribedAt, stamps: stamps.filter((stamp) => stamp[0] === runId), published: published.filter((entry) => entry[0] === runId), diskWrites, serverCollections, clientCollections, receipts: [...perSeq].map(([seq, ats]) => [seq, ...ats.sort((a, b) => a - b)]) });
            }
            const appended: Stamp = {};
            for (const [stampRun, seq, ms] of stamps) if (stampRun === runId) appended[seq] = ms;
            const publishedAt: Record<number, [number, number]> = {};
            for (const [stampRun, seq, start, end] of published) if (stampRun === runId) publishedAt[seq] = [start, end];
            const run: number[] = [];
            const burst: number[] = [];
            const stored: number[] = [];
            const fanOut: number[] = [];
            const wire: number[] = [];
            // Per event: the first and the last client's receipt (how far apart the clients get it).
            const firstLast = new Map<number, [number, number]>();
            for (const [, seq, at, type] of receipts) {
              if (!type.startsWith('step.')) continue;
              const sent = appended[seq];
              const hub = publishedAt[seq];
              if (sent === undefined || hub === undefined) continue;
              burst.push(at - sent);
              // Stored before every client was subscribed: counted only in the burst row.
              if (sent < subscribedAt) continue;
              run.push(at - sent);
              stored.push(hub[0] - sent);
              fanOut.push(hub[1] - hub[0]);
              wire.push(at - hub[0]);
              const seen = firstLast.get(seq);
              firstLast.set(seq, seen ? [Math.min(seen[0], at), Math.max(seen[1], at)] : [at, at]);
            }
            // The first runs warm up the path (JIT, sockets): not counted.
            if (r < warmUpRuns) continue;
            latencies.push(...run);
            withBurst.push(...burst);
            parts.stored.push(...stored);
            parts.fanOut.push(...fanOut);
            parts.wire.push(...wire);
            for (const [first, last] of firstLast.values()) parts.spread.push(last - first);
            // Log writes (durable on return) while this run's counted events were being stored.
            for (const [start, end] of diskWrites) if (start >= subscribedAt) parts.disk.push(end - start);
            // Per published batch: its first append -> its log write began (the batching window), and
            // the write returned -> publish began (promise hops and the run manager's listeners).
            const firstAppend = new Map<number, number>();
            for (const [seq, [start]] of Object.entries(publishedAt)) {
              const at = appended[Number(seq)];
              if (at !== undefined && at >= subscribedAt) firstAppend.set(start, Math.min(firstAppend.get(start) ?? at, at));
            }
            const writes = [...diskWrites].sort((a, b) => a[1] - b[1]);
            for (const [publishStart, at] of firstAppend) {
              const write = writes.filter(([, end]) => end <= publishStart).at(-1);
              if (!write || write[0] < at) continue;
              parts.window.push(write[0] - at);
              parts.afterWrite.push(publishStart - write[1]);
            }
            for (const [start, duration] of serverCollections) if (start >= subscribedAt) parts.serverGc.push(duration);
            for (const [start, duration] of clientCollections) if (start >= subscribedAt) parts.clientsGc.push(duration);
            if (serverCpuBefore !== undefined && serverCpuAfter !== undefined && clientsCpuBefore !== undefined && clientsCpuAfter !== undefined) {
              cpu.server += serverCpuAfter - serverCpuBefore;
              cpu.clients += clientsCpuAfter - clientsCpuBefore;
              cpu.runs++;
            }
            perRunP99.push(percentile(run, 99));
          }
          const result = figure({
            name: `${count} client${count === 1 ? '' : 's'}: append -> client receives`,
            unit: 'ms',
            values: latencies,
            spread: 'p50/p99',
            keepSamples: false,
            ...(count === 100 ? { target: { op: '<=', value: 5, statistic: 'p99', text: 'p99 < 5 ms with 100 clients' } as const } : {}),
            note: `${latencies.length.toLocaleString('en-US')} deliveries over ${runsPerCount} runs; per-run p99 ${perRunP99.map((value) => value.toFixed(1)).join(' / ')} ms`,
          });
          figures.push(result);
          if (count > 1) {
            figures.push(
              figure({
                name: `${count} clients: append -> client receives, including the subscribe burst`,
                unit: 'ms',
                values: withBurst,
                spread: 'p50/p99',
                keepSamples: false,
                note: `${withBurst.length.toLocaleString('en-US')} deliveries: also the events stored while the ${count} clients were subscribing`,
              }),
            );
          }
          const gcs = (values: number[]): string => (values.length === 0 ? 'none' : `${values.length} (${(values.reduce((sum, value) => sum + value, 0) / runsPerCount).toFixed(1)} ms per run, longest ${Math.max(...values).toFixed(1)} ms)`);
          const breakdown = (values: number[]): string => `p50 ${percentile(values, 50).toFixed(2)} / p99 ${percentile(values, 99).toFixed(2)} ms`;
          findings.push(
            `${count} client(s), where the time goes: append -> hub.publish (batching, durable log write, listeners) ${breakdown(parts.stored)}; ` +
              `of which the log write itself (O_DSYNC, per batch) ${breakdown(parts.disk)}, first append -> write began (batching window, per batch) ${breakdown(parts.window)}, ` +
              `write returned -> publish began (per batch) ${breakdown(parts.afterWrite)}; ` +
              `hub.publish itself (encode + send to every client) ${breakdown(parts.fanOut)}; publish began -> client received ${breakdown(parts.wire)}` +
              (count > 1 ? `; first client received -> last client received, per event ${breakdown(parts.spread)}` : '') +
              `; garbage collections while counted: server ${gcs(parts.serverGc)}, clients' process ${gcs(parts.clientsGc)}` +
              (cpu.runs > 0 ? `; CPU per run (/proc, 10 ms ticks): server ${(cpu.server / cpu.runs).toFixed(0)} ms, clients' process ${(cpu.clients / cpu.runs).toFixed(0)} ms` : ''),
          );
          context.log(`  ${count} client(s): p50 ${result.summary.p50.toFixed(2)} ms, p99 ${result.summary.p99.toFixed(2)} ms`);
        } finally {
          await clients.stop();
        }
      }
    } finally {
      await server.stop();
    }
  });
  if (process.env.WEFT_BENCH_EVENT_TIMELINE) await writeFile(process.env.WEFT_BENCH_EVENT_TIMELINE, JSON.stringify(timeline));
  return { id, title, method: METHOD, figures, findings };
}

await runStandalone(import.meta.url, id, title, run);
