/**
 * Persistence: the cost of appending one event to a run's log at history sizes 10, 1,000 and
 * 100,000 (through the real RunsStore, durable and write-only), the cost of the run index's write
 * after one run's change at 1,000 / 10,000 / 100,000 runs kept, and the time to resume 1,000 runs
 * waiting at an approval when the server starts (startServer in fresh processes).
 */
import { fork } from 'node:child_process';
import { cp, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunEvent } from '../shared/events.ts';
import { compareNewestFirst } from '../server/store/runs-storage.ts';
import { approvalFlow } from './flows.ts';
import { runStandalone } from './standalone.ts';
import { figure, notAvailable, tryImport, type BenchContext, type BenchReport, type Figure } from './stats.ts';
import { withTempDir } from './temp.ts';

export const id = 'persistence';
export const title = 'Persistence';

const METHOD =
  'Append: the real RunsStore (server/store) in a temp data dir on the same disk as the repo. The history is built first ' +
  '(run.started, then step.started/step.succeeded pairs of ~200 bytes, appended in batches of 5,000), then single events are ' +
  'appended one at a time, each awaited until the store reports it written (the run\'s write queue: setImmediate batching + ' +
  'one write to a log opened with O_DSYNC when durable, which is the server default: the write returns once the data is on disk). Timed per append; the write-only rows use the ' +
  'store\'s sync:false. ' +
  'Index: the real RunIndex (server/store/run-index.ts, durable) in a temp dir holding 1,000 / 10,000 / 100,000 entries ' +
  '(10,000 max with --quick) of ~390 bytes (ended runs with an inputs preview), written once; then one entry is changed ' +
  '(status and cost of a run) and write() awaited, round-robin across the sizes; wall ms and process CPU ms per write. The ' +
  'snapshot rewrite (compaction, once the journal outgrows max(snapshot, 1 MiB)) is timed separately, as the first write ' +
  'of each size (with the longest gap between two turns of a setImmediate chain during it: how long it held the thread), and spread over the writes between two of them (line bytes / max(snapshot, 1 MiB)). ' +
  'History page: the real RunIndex filled in memory with 1,000 / 10,000 / 100,000 such entries (half succeeded, half failed); ' +
  'timed: run-views.ts runHistory over the index\'s kept order (first page of 50, and 50 filtered by status) plus JSON.stringify, ' +
  'as GET /api/runs answers; beside it the whole list sorted and serialized, as the route did before pages. ' +
  'Cost records: 5,000 (1,000 with --quick) ended runs of one model cost each, logs written by a real RunsStore (write-only), ' +
  'read with readCostRecords through the file cost source as GET /api/cost does: every log (before), then with the ended ' +
  'runs\' costs kept, first look and next look. ' +
  'Resume: a data dir is prepared with 1,000 runs (200 with --quick) of input -> approval -> output stopped at the approval (created through ' +
  'startServer/RunManager, then the server closed); each sample copies it and, in a fresh process with the server modules ' +
  'already imported and one warm-up start on an empty dir, times startServer() (stores, sandbox pool, providers, resumeAll, ' +
  'listen) until it resolves, checking 1,000 live runs and 1,000 pending approvals; the same start on an empty data dir is ' +
  'the baseline. All the runs pinned the same flow (resumeAll reads logs 24 at a time and shares one flow object between ' +
  'runs that pinned equal flows).';

type RunsStoreModule = typeof import('../server/store/runs-store.ts');
type RunIndexModule = typeof import('../server/store/run-index.ts');
type IndexEntry = import('../server/store/run-index.ts').RunIndexEntry;

function indexEntry(i: number, write = 0): IndexEntry {
  const startedAt = new Date(1_780_000_000_000 + i * 1000).toISOString();
  return {
    runId: `run-bench-${i.toString(36).padStart(6, '0')}-${(i * 2_654_435_761 >>> 0).toString(16).padStart(8, '0')}`,
    flowId: 'triage',
    flowName: 'Triage incoming tickets',
    flowHash: '0123456789abcdef',
    status: write % 2 === 0 ? 'succeeded' : 'failed',
    startedAt,
    endedAt: new Date(1_780_000_000_000 + i * 1000 + 850).toISOString(),
    costUsd: 0.0125 + write / 1e6,
    durationMs: 850,
    inputsPreview: `{"text":"ticket number ${i}: the printer on the third floor does not print again"}`,
  };
}

export interface IndexWriteCosts {
  /** Per size: wall ms per write. */
  wallMs: number[][];
  /** Per size: process CPU ms per write (all threads: the event loop and libuv's pool). */
  cpuMs: number[][];
  /** Per size: the first write (the snapshot of all entries, what a compaction costs), ms. */
  snapshotMs: number[];
  snapshotBytes: number[];
  /** Per size: the longest the event loop went without a turn during the snapshot write, ms. */
  snapshotBlockMs: number[];
  lineBytes: number;
}

/** Runs `work` while a setImmediate chain turns; answers the longest gap between two turns (ms). */
async function longestBlock(work: () => Promise<void>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  let done = false;
  const turn = (): void => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (!done) setImmediate(turn);
  };
  setImmediate(turn);
  await work();
  done = true;
  return Math.max(longest, performance.now() - last);
}

/**
 * One index per size (written once), then one changed entry written at a time, round-robin
 * across the sizes so that noise from the rest of the machine falls on each size alike. `module`
 * is server/store/run-index.ts, or a copy of an older one for before/after comparisons.
 */
export async function indexWriteCosts(module: RunIndexModule, sizes: number[], writes: number): Promise<IndexWriteCosts> {
  return withTempDir('index', async (directory) => {
    const indexes: Array<{ index: import('../server/store/run-index.ts').RunIndex; size: number }> = [];
    const snapshotMs: number[] = [];
    const snapshotBytes: number[] = [];
    const snapshotBlockMs: number[] = [];
    for (const [n, size] of sizes.entries()) {
      const path = join(directory, `runs-index-${n}.json`);
      const { index } = await module.RunIndex.open(path, () => undefined);
      for (let i = 0; i < size; i++) index.put(indexEntry(i));
      const started = performance.now();
      snapshotBlockMs.push(await longestBlock(() => index.write()));
      snapshotMs.push(performance.now() - started);
      snapshotBytes.push((await stat(path)).size);
      indexes.push({ index, size });
    }
    const wallMs = sizes.map((): number[] => []);
    const cpuMs = sizes.map((): number[] => []);
    const warmup = 5;
    for (let w = 1; w <= warmup + writes; w++) {
      for (const [n, entry] of indexes.entries()) {
        entry.index.put(indexEntry((w * 7919) % entry.size, w));
        const cpu = process.cpuUsage();
        const started = performance.now();
        await entry.index.write();
        const wall = performance.now() - started;
        const used = process.cpuUsage(cpu);
        if (w > warmup) {
          wallMs[n]!.push(wall);
          cpuMs[n]!.push((used.user + used.system) / 1000);
        }
      }
    }
    return { wallMs, cpuMs, snapshotMs, snapshotBytes, snapshotBlockMs, lineBytes: Buffer.byteLength(`${JSON.stringify({ put: indexEntry(0) })}\n`) };
  });
}

/**
 * The Cost tab's read of the cost records (file mode): `size` ended runs of one model cost each,
 * logs written by a real RunsStore (write-only), read through the file cost source as the server
 * reads them: without the kept ended-run costs, the first read with them, and the next.
 */
async function costReadCosts(size: number, rounds: number): Promise<{ plainMs: number[]; firstMs: number[]; againMs: number[] }> {
  const [{ foldEvents }, { startRun }, engine, { indexEntry: entryOf }, { RunsStore }, { costSourceOf }, { EndedRunCosts, readCostRecords }] = await Promise.all([
    import('../shared/run-state.ts'),
    import('../server/engine/index.ts'),
    import('../server/engine/testing/engine-harness.ts'),
    import('../server/run-views.ts'),
    import('../server/store/runs-store.ts'),
    import('../server/spend/open-spend-ledger.ts'),
    import('../server/spend/read-cost-records.ts'),
  ]);
  const { field, flowOf, harness, nodes } = engine;
  const chain = flowOf([nodes.input('in', [field('text')]), nodes.code('think', [field('text')], [field('text')]), nodes.output('out', [field('text')])], [
    ['in.text', 'think.text'],
    ['think.text', 'out.text'],
  ]);
  const template = harness({
    think: (context) => {
      context.emit({ type: 'step.cost', model: 'gpt-4o-mini', inputTokens: 100, outputTokens: 10, usd: 0.001, final: true, simulated: false });
      return Promise.resolve({ text: 'done' });
    },
  });
  await startRun('run-template', chain, { text: 'a' }, template.options).settled();
  return withTempDir('cost', async (directory) => {
    const store = await RunsStore.open({ dataDir: directory, log: () => undefined, sync: false });
    try {
      for (let i = 0; i < size; i++) {
        const runId = `run-cost-${i}`;
        const events = template.events.map((event) => ({ ...event, runId }));
        for (const event of events) void store.append(event);
        store.index.put(entryOf(foldEvents(events)));
      }
      await store.flush();
      await store.indexChanged();
      const source = await costSourceOf(store);
      const result = { plainMs: [] as number[], firstMs: [] as number[], againMs: [] as number[] };
      for (let round = 0; round < rounds; round++) {
        const kept = new EndedRunCosts();
        for (const [list, read] of [
          [result.plainMs, () => readCostRecords(source, {})],
          [result.firstMs, () => readCostRecords(source, {}, kept)],
          [result.againMs, () => readCostRecords(source, {}, kept)],
        ] as const) {
          const started = performance.now();
          await read();
          list.push(performance.now() - started);
        }
      }
      return result;
    } finally {
      await store.close();
    }
  });
}

/**
 * A history page as `GET /api/runs` answers it (runHistory over the index's kept order, then the
 * JSON text), against the whole list sorted and serialized as the route did before pages. The
 * index is the real RunIndex, filled in memory (no write: a page reads memory only).
 */
async function historyPageCosts(
  module: RunIndexModule,
  views: typeof import('../server/run-views.ts'),
  size: number,
  samples: number,
): Promise<{ pageMs: number[]; filteredMs: number[]; wholeMs: number[] }> {
  return withTempDir('history', async (directory) => {
    const { index } = await module.RunIndex.open(join(directory, 'runs-index.json'), () => undefined);
    // The record as lowdb held it, in the order the runs came (what the route sorted before pages).
    const record: Record<string, IndexEntry> = {};
    for (let i = 0; i < size; i++) {
      const entry = indexEntry(i, i);
      index.put(entry);
      record[entry.runId] = entry;
    }
    const time = (work: () => unknown): number => {
      const started = performance.now();
      work();
      return performance.now() - started;
    };
    const page = () => JSON.stringify(views.runHistory(index.order, { limit: 50 }));
    const filtered = () => JSON.stringify(views.runHistory(index.order, { status: 'failed', limit: 50 }));
    const whole = () => JSON.stringify({ runs: Object.values(record).sort(compareNewestFirst).filter((entry) => entry.parentRunId === undefined) });
    const result = { pageMs: [] as number[], filteredMs: [] as number[], wholeMs: [] as number[] };
    for (let i = 0; i < 3; i++) {
      page();
      filtered();
      whole();
    }
    for (let i = 0; i < samples; i++) {
      result.pageMs.push(time(page));
      result.filteredMs.push(time(filtered));
      result.wholeMs.push(time(whole));
    }
    return result;
  });
}

function historyEvent(runId: string, seq: number): RunEvent {
  const step = Math.floor(seq / 2);
  const at = new Date(1_780_000_000_000 + seq).toISOString();
  return seq % 2 === 0
    ? { runId, seq, at, type: 'step.started', nodeId: `step-${step}`, attempt: 1, inputs: { value: `value number ${step} carried along the chain` } }
    : { runId, seq, at, type: 'step.succeeded', nodeId: `step-${step}`, outputs: { value: `value number ${step} carried along the chain` }, durationMs: 0.123 };
}

function startedEvent(runId: string): RunEvent {
  const flow = approvalFlow();
  return { runId, seq: 1, at: new Date().toISOString(), type: 'run.started', flowId: flow.id, flowHash: '0000000000000000', flow, inputs: { value: 'x' } };
}

/**
 * Builds one store per history size, then times single appends round-robin across them, so that
 * noise from the rest of the machine falls on every history size alike.
 */
export async function appendCosts(module: RunsStoreModule, histories: number[], sync: boolean, appends: number): Promise<number[][]> {
  return withTempDir('append', async (directory) => {
    const stores: Array<{ store: InstanceType<RunsStoreModule['RunsStore']>; runId: string; seq: number }> = [];
    try {
      for (const [index, history] of histories.entries()) {
        const store = await module.RunsStore.open({ dataDir: join(directory, `data-${index}`), log: () => undefined, sync });
        const runId = `run-bench-append-${index}`;
        stores.push({ store, runId, seq: history });
        void store.append(startedEvent(runId));
        let seq = 1;
        while (seq < history) {
          const end = Math.min(history, seq + 5_000);
          for (seq++; seq <= end; seq++) void store.append(historyEvent(runId, seq));
          seq--;
          await store.flush();
        }
      }
      const costs = histories.map((): number[] => []);
      const warmup = 10;
      for (let i = 0; i < warmup + appends; i++) {
        for (const [index, entry] of stores.entries()) {
          const event = historyEvent(entry.runId, ++entry.seq);
          const started = performance.now();
          await entry.store.append(event);
          const elapsed = (performance.now() - started) * 1000;
          if (i >= warmup) costs[index]!.push(elapsed);
        }
      }
      return costs;
    } finally {
      for (const entry of stores) await entry.store.close();
    }
  });
}

interface ResumeSample {
  resumeMs: number;
  emptyMs: number;
  live: number;
  approvals: number;
  rssMiB: number;
  resumeAllMs: number;
}

function resumeChild(args: string[]): Promise<ResumeSample & { prepared?: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./resume-child.ts', import.meta.url), args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let answer: (ResumeSample & { prepared?: number }) | undefined;
    let failure: string | undefined;
    child.on('message', (message: { type: string; result?: ResumeSample; error?: string }) => {
      if (message.type === 'result') answer = message.result;
      if (message.type === 'error') failure = message.error;
    });
    child.on('exit', (code) => {
      if (answer) resolve(answer);
      else reject(new Error(failure ?? `resume child exited with code ${code}`));
    });
  });
}

export async function run(context: BenchContext): Promise<BenchReport> {
  const storeModule = await tryImport<RunsStoreModule>('../server/store/runs-store.ts');
  if (!storeModule.ok) return notAvailable(id, title, METHOD, `server/store/runs-store.ts: ${storeModule.reason}`);
  const figures: Figure[] = [];
  const findings: string[] = [];
  const histories = context.quick ? [10, 1_000, 100_000] : [10, 1_000, 100_000];
  const appends = context.quick ? 30 : 200;
  const medians = new Map<string, number[]>();
  for (const sync of context.quick ? [true] : [true, false]) {
    const label = sync ? 'durable' : 'write-only';
    const costs = await appendCosts(storeModule.module, histories, sync, appends);
    for (const [index, history] of histories.entries()) {
      const result = figure({ name: `append at history ${history.toLocaleString('en-US')} (${label})`, unit: 'us/event', values: costs[index]!, keepSamples: false });
      figures.push(result);
      medians.set(label, [...(medians.get(label) ?? []), result.summary.median]);
      context.log(`  append ${label} at ${history}: median ${result.summary.median.toFixed(0)} us`);
    }
  }
  for (const [label, list] of medians) {
    figures.push(
      figure({
        name: `flatness (${label}): 100,000 / 10 history`,
        unit: 'ratio',
        values: [list[list.length - 1]! / list[0]!],
        target: { op: '<=', value: 1.25, text: 'flat: <= 1.25x' },
        note: `medians ${list.map((value) => value.toFixed(0)).join(' / ')} us at ${histories.join(' / ')} events`,
      }),
    );
  }

  // ---- the run index: a write after one run's change, as the history grows ----
  const indexModule = await tryImport<RunIndexModule>('../server/store/run-index.ts');
  if (!indexModule.ok) findings.push(`index write not available: server/store/run-index.ts: ${indexModule.reason}`);
  else {
    const sizes = context.quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
    const costs = await indexWriteCosts(indexModule.module, sizes, context.quick ? 30 : 100);
    const indexMedians: number[] = [];
    for (const [n, size] of sizes.entries()) {
      const kept = size.toLocaleString('en-US');
      const wall = figure({ name: `index write after one run's change at ${kept} runs kept`, unit: 'ms/write', values: costs.wallMs[n]!, keepSamples: false });
      figures.push(wall);
      indexMedians.push(wall.summary.median);
      figures.push(figure({ name: `index write CPU (process) at ${kept} runs kept`, unit: 'ms/write', values: costs.cpuMs[n]!, keepSamples: false }));
      figures.push(
        figure({
          name: `index snapshot rewrite at ${kept} runs kept: longest event-loop block`,
          unit: 'ms',
          values: [costs.snapshotBlockMs[n]!],
          note: `the whole rewrite took ${costs.snapshotMs[n]!.toFixed(0)} ms (${(costs.snapshotBytes[n]! / 1024 / 1024).toFixed(1)} MiB); the longest gap between two turns of a setImmediate chain during it`,
        }),
      );
      const spread = (costs.snapshotMs[n]! * costs.lineBytes) / Math.max(costs.snapshotBytes[n]!, 1024 * 1024);
      figures.push(
        figure({
          name: `index compaction spread per write at ${kept} runs kept`,
          unit: 'ms/write',
          values: [spread],
          note: `one rewrite ${costs.snapshotMs[n]!.toFixed(1)} ms for ${(costs.snapshotBytes[n]! / 1e6).toFixed(1)} MB, once per ${Math.round(Math.max(costs.snapshotBytes[n]!, 1024 * 1024) / costs.lineBytes).toLocaleString('en-US')} one-run writes`,
        }),
      );
      context.log(`  index write at ${size} runs: median ${wall.summary.median.toFixed(2)} ms (snapshot ${costs.snapshotMs[n]!.toFixed(0)} ms)`);
    }
    figures.push(
      figure({
        name: `index write flatness: ${sizes[sizes.length - 1]!.toLocaleString('en-US')} / 1,000 runs kept`,
        unit: 'ratio',
        values: [indexMedians[indexMedians.length - 1]! / indexMedians[0]!],
        target: { op: '<=', value: 1.25, text: 'flat: <= 1.25x' },
        note: `medians ${indexMedians.map((value) => value.toFixed(2)).join(' / ')} ms at ${sizes.join(' / ')} runs`,
      }),
    );
  }

  // ---- a page of the history (GET /api/runs) as the runs kept grow ----
  const viewsModule = await tryImport<typeof import('../server/run-views.ts')>('../server/run-views.ts');
  if (!indexModule.ok || !viewsModule.ok) findings.push(`history page not available: ${indexModule.ok ? '' : indexModule.reason} ${viewsModule.ok ? '' : viewsModule.reason}`.trim());
  else {
    const sizes = context.quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
    for (const size of sizes) {
      const costs = await historyPageCosts(indexModule.module, viewsModule.module, size, context.quick ? 20 : 50);
      const kept = size.toLocaleString('en-US');
      figures.push(figure({ name: `history page (50 runs, as the designer asks) at ${kept} runs kept`, unit: 'ms', values: costs.pageMs, keepSamples: false }));
      figures.push(figure({ name: `history page filtered by status (half match) at ${kept} runs kept`, unit: 'ms', values: costs.filteredMs, keepSamples: false }));
      figures.push(figure({ name: `before: the whole list sorted and serialized at ${kept} runs kept`, unit: 'ms', values: costs.wholeMs, keepSamples: false, note: 'what GET /api/runs did per request before the kept order and pages (the designer asked for every run)' }));
    }
  }

  // ---- the Cost tab's read of the cost records, looked at twice ----
  {
    const size = context.quick ? 1_000 : 5_000;
    const costs = await costReadCosts(size, context.quick ? 2 : 3);
    const kept = size.toLocaleString('en-US');
    figures.push(figure({ name: `cost records read at ${kept} ended runs: every log (before)`, unit: 'ms', values: costs.plainMs, keepSamples: false }));
    figures.push(figure({ name: `cost records read at ${kept} ended runs: first look, keeping ended runs' costs`, unit: 'ms', values: costs.firstMs, keepSamples: false }));
    figures.push(figure({ name: `cost records read at ${kept} ended runs: next look`, unit: 'ms', values: costs.againMs, keepSamples: false }));
  }

  // ---- resume 1,000 waiting runs at start-up ----
  const mainModule = await tryImport('../server/main.ts');
  if (!mainModule.ok) {
    findings.push(`resume at start-up not available: server/main.ts: ${mainModule.reason}`);
    return { id, title, method: METHOD, figures, findings };
  }
  const runs = context.quick ? 200 : 1_000;
  const samples = context.quick ? 1 : 5;
  await withTempDir('resume', async (directory) => {
    const prepared = join(directory, 'prepared');
    const prep = await resumeChild(['prepare', prepared, String(runs)]);
    const logs = (await readdir(join(prepared, 'runs'))).filter((name) => name.endsWith('.jsonl')).length;
    context.log(`  prepared ${prep.prepared} waiting runs (${logs} logs)`);
    const resumeMs: number[] = [];
    const emptyMs: number[] = [];
    const resumeAllMs: number[] = [];
    let rss = 0;
    for (let i = 0; i < samples; i++) {
      const copy = join(directory, `sample-${i}`);
      await cp(prepared, copy, { recursive: true });
      await cp(prepared, `${copy}-b`, { recursive: true });
      const sample = await resumeChild(['time', copy, String(runs), join(directory, `empty-${i}`), `${copy}-b`]);
      resumeAllMs.push(sample.resumeAllMs);
      if (sample.live !== runs || sample.approvals !== runs) throw new Error(`resume sample ${i}: ${sample.live} live runs and ${sample.approvals} approvals after start-up (expected ${runs})`);
      resumeMs.push(sample.resumeMs);
      emptyMs.push(sample.emptyMs);
      rss = Math.max(rss, sample.rssMiB);
      context.log(`  start-up with ${runs} waiting runs: ${sample.resumeMs.toFixed(0)} ms (empty: ${sample.emptyMs.toFixed(0)} ms)`);
    }
    figures.push(figure({ name: `start-up resuming ${runs.toLocaleString('en-US')} waiting runs`, unit: 'ms', values: resumeMs, note: `server RSS after start-up ${rss.toFixed(0)} MiB` }));
    figures.push(figure({ name: 'start-up with an empty data dir (baseline)', unit: 'ms', values: emptyMs }));
    figures.push(figure({ name: `of which RunsStore.open + RunManager.resumeAll`, unit: 'ms', values: resumeAllMs, note: 'the same resume without HTTP, sandbox pool or providers starting alongside' }));
    figures.push(
      figure({
        name: `resume cost per waiting run`,
        unit: 'ms/run',
        values: resumeMs.map((value, index) => (value - emptyMs[index]!) / runs),
      }),
    );
  });
  return { id, title, method: METHOD, figures, findings };
}

await runStandalone(import.meta.url, id, title, run);
