import { parentPort, workerData } from 'node:worker_threads';
import { createRealm, disposeRealm, type Budgets, type GuestRealm } from './guest-realm.ts';
import { EngineCache, type Engine } from './load-engine.ts';
import { DEFAULT_SANDBOX_LIMITS } from './sandbox-limits.ts';
import { runInRealm } from './run-guest.ts';
import { readRunMessage } from './read-worker-message.ts';
import type { WorkerReply } from './worker-protocol.ts';

/**
 * A sandbox worker thread: one QuickJS WebAssembly module, reused across calls, each
 * call in a fresh runtime and context. It runs one job at a time (the pool never sends
 * a second before the first is answered). A module's memory cap is fixed when it is
 * created (see load-engine.ts), so it keeps one per memory limit in use, and replaces
 * one that a call poisoned.
 *
 * After answering a call it disposes that call's realm and prepares the next one in the
 * same engine (see guest-realm.ts), so the next call finds its realm ready. At most one
 * realm lives in an engine at any time.
 */

const port = parentPort;
if (port === null) throw new Error('worker-main.ts must run in a worker thread');
const startData: unknown = workerData;
const cancelBuffer =
  startData !== null && typeof startData === 'object' ? (startData as { cancelBuffer?: unknown }).cancelBuffer : undefined;
if (!(cancelBuffer instanceof SharedArrayBuffer)) throw new Error('sandbox worker needs a cancel buffer');
const cancelWord = new Int32Array(cancelBuffer);

const engines = new EngineCache(2);
/** The prepared, unused realm of each engine; an engine dropped from the cache takes its realm with it. */
const spares = new WeakMap<Engine, GuestRealm>();
prepareSpare(await engines.get(DEFAULT_SANDBOX_LIMITS.memoryBytes));
let queue: Promise<void> = Promise.resolve();
port.on('message', (raw: unknown) => {
  queue = queue.then(() => handle(raw));
});
// Announce readiness from a timer: the thread does a few hundred milliseconds of start-up
// work (module loading, compiler tiers) after this module finishes evaluating, and a job
// sent before it would wait behind it with its clock already running.
setTimeout(() => port.postMessage({ type: 'ready' } satisfies WorkerReply), 0);

async function handle(raw: unknown): Promise<void> {
  const message = readRunMessage(raw);
  if (message === undefined) return;
  const engine = await engines.get(message.limits.memoryBytes);
  const run = runInRealm(() => takeSpare(engine) ?? createRealm(engine), {
    ...message,
    isCancelled: () => Atomics.load(cancelWord, 0) === message.jobId,
  });
  const reply: WorkerReply = {
    type: 'done',
    jobId: message.jobId,
    outcome: run.outcome,
    logs: run.logs,
    logsTruncated: run.logsTruncated,
  };
  port?.postMessage(reply);
  // Clean-up and the next realm happen after the answer is on its way.
  const poisoned = run.poisoned || (run.realm !== undefined && !disposeRealm(run.realm));
  if (!poisoned) {
    prepareSpare(engine, message.limits);
    return;
  }
  engines.discard(engine);
  prepareSpare(await engines.get(engine.memoryBytes), message.limits);
}

function takeSpare(engine: Engine): GuestRealm | undefined {
  const spare = spares.get(engine);
  spares.delete(engine);
  return spare;
}

/**
 * Makes `engine`'s next realm unless it has one, with the budgets of the call just
 * answered (the next call most likely has the same); an engine that cannot make one is
 * discarded.
 */
function prepareSpare(engine: Engine, budgets: Budgets = DEFAULT_SANDBOX_LIMITS): void {
  if (spares.has(engine)) return;
  try {
    spares.set(engine, createRealm(engine, budgets));
  } catch {
    engines.discard(engine);
  }
}
