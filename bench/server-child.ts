/**
 * A Weft server in its own process for the benchmarks (so its memory and CPU are its own).
 * Started with `fork(server-child.ts, [JSON options])`; talks over IPC:
 *   -> {type:'ready', url, port}           once startServer has resolved
 *   <- {type:'stats'}   -> {type:'stats', rssMiB, heapUsedMiB, peakRssMiB, peakHeapUsedMiB}
 *   <- {type:'stamps'}  -> {type:'stamps', stamps: [runId, seq, appendMs][], published: [runId, seq, startMs, endMs][]}
 *                          (when stampAppends is set: when the engine handed each event to the store, and when the
 *                          WebSocket hub's publish of it began and returned; diskWrites: [startMs, endMs][] of
 *                          every write to a run log, which is durable on return in the default mode)
 *   <- {type:'reset-peaks'}
 *   <- {type:'close'}   -> closes the server and exits
 * It exits when its parent goes away.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import type { RunEvent } from '../shared/events.ts';
import type { ExecutorMap, StepContext, StepOutcome } from '../server/engine/index.ts';

export interface ServerChildOptions {
  dataDir: string;
  flowsDir: string;
  /** The server's environment (nothing of the benchmark's own environment is passed). */
  env: Record<string, string>;
  distDir?: string;
  /** `paced`: code steps wait `paceMs` and pass their inputs through (no sandbox). */
  executors?: 'real' | 'paced';
  paceMs?: number;
  /** Record the monotonic time at which the engine hands each event to the store. */
  stampAppends?: boolean;
  /** Limits for WebSocket clients' send queues (the hub's defaults otherwise). */
  wsLimits?: Record<string, number>;
  /** How the hub sends live events (default: ready-made frames). */
  wsEventSending?: 'frames' | 'ws';
  /**
   * Sample memory every 20 ms for the peak figures (default true). Each sample takes the event
   * loop for a moment, which shows in latency measurements: event-delivery turns it off.
   */
  sampleMemory?: boolean;
}

/** Monotonic milliseconds shared by every process on this machine (CLOCK_MONOTONIC). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function peakRssFromProc(): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

if (process.send && process.argv[2]) {
  const options = JSON.parse(process.argv[2]) as ServerChildOptions;
  const { startServer } = await import('../server/main.ts');
  let executors: ExecutorMap | undefined;
  if (options.executors === 'paced') {
    const real = (await import('../server/executors/index.ts')).executors;
    const pace = options.paceMs ?? 0;
    const paced = {
      run: (context: StepContext): Promise<StepOutcome> =>
        new Promise((resolve) => setTimeout(() => resolve({ type: 'outputs', outputs: context.inputs }), pace)),
    };
    executors = { ...real, code: paced } as unknown as ExecutorMap;
  }
  const server = await startServer({
    env: options.env,
    cwd: options.flowsDir,
    config: { dataDir: options.dataDir, flowsDir: options.flowsDir, port: 0, host: '127.0.0.1', distDir: options.distDir },
    ...(executors ? { executors } : {}),
    ...(options.wsLimits ? { wsLimits: options.wsLimits } : {}),
    ...(options.wsEventSending ? { wsEventSending: options.wsEventSending } : {}),
    log: () => undefined,
  });
  const stamps: Array<[string, number, number]> = [];
  const published: Array<[string, number, number, number]> = [];
  const diskWrites: Array<[number, number]> = [];
  const collections: Array<[number, number]> = [];
  if (options.stampAppends) {
    // Garbage collections of the server: [start, duration] in monotonic ms.
    new PerformanceObserver((list) => {
      const offset = monotonicMs() - performance.now();
      for (const entry of list.getEntries()) collections.push([offset + entry.startTime, entry.duration]);
    }).observe({ entryTypes: ['gc'] });
    // Every FileHandle write to a run log (`*.jsonl`), timed: the disk's share of append -> publish.
    const probe = await open(process.execPath, 'r');
    const handlePrototype = Object.getPrototypeOf(probe) as { write: (...args: unknown[]) => Promise<unknown> };
    await probe.close();
    const write = handlePrototype.write;
    const isLog = new WeakMap<object, boolean>();
    handlePrototype.write = async function (this: { fd: number }, ...args: unknown[]) {
      let log = isLog.get(this);
      if (log === undefined) {
        try {
          log = readlinkSync(`/proc/self/fd/${this.fd}`).endsWith('.jsonl');
        } catch {
          log = false;
        }
        isLog.set(this, log);
      }
      if (!log) return write.apply(this, args);
      const started = monotonicMs();
      try {
        return await write.apply(this, args);
      } finally {
        diskWrites.push([started, monotonicMs()]);
      }
    };
    const store = server.store;
    const append = store.append.bind(store);
    store.append = (event: RunEvent) => {
      stamps.push([event.runId, event.seq, monotonicMs()]);
      return append(event);
    };
    const hub = server.hub;
    const publish = hub.publish.bind(hub);
    hub.publish = (events: readonly RunEvent[]) => {
      const started = monotonicMs();
      publish(events);
      const ended = monotonicMs();
      for (const event of events) published.push([event.runId, event.seq, started, ended]);
    };
  }
  let peakRss = 0;
  let peakHeap = 0;
  const sample = (): void => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  };
  if (options.sampleMemory ?? true) setInterval(sample, 20).unref();
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'stats') {
      sample();
      const usage = process.memoryUsage();
      process.send!({
        type: 'stats',
        rssMiB: usage.rss / 2 ** 20,
        heapUsedMiB: usage.heapUsed / 2 ** 20,
        peakRssMiB: Math.max(peakRss / 2 ** 20, peakRssFromProc() ?? 0),
        peakSampledRssMiB: peakRss / 2 ** 20,
        peakHeapUsedMiB: peakHeap / 2 ** 20,
      });
    } else if (message.type === 'reset-peaks') {
      peakRss = 0;
      peakHeap = 0;
    } else if (message.type === 'stamps') {
      process.send!({ type: 'stamps', stamps: stamps.splice(0), published: published.splice(0), diskWrites: diskWrites.splice(0), collections: collections.splice(0) });
    } else if (message.type === 'close') {
      void server.close().then(() => process.exit(0));
    }
  });
  process.on('disconnect', () => {
    void server.close().finally(() => process.exit(0));
  });
  process.send({ type: 'ready', url: server.url, port: server.port });
}
