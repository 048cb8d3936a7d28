import { parentPort, workerData } from 'node:worker_threads';
import { createRealm, disposeRealm, type GuestRealm } from './guest-realm.ts';
import { EngineCache, type Engine } from './load-engine.ts';
import { DEFAULT_SANDBOX_LIMITS } from './sandbox-limits.ts';
import { runInRealm } from './run-guest.ts';
import { readRunMessage } from './read-worker-message.ts';
import type { WorkerReply } from './worker-protocol.ts';

/**
 * A sandbox worker thread: one QuickJS WebAssembly module per memory limit in use, each
 * with one locked-down realm that serves call after call (see guest-realm.ts for why
 * that is isolated). It runs one job at a time (the pool never sends a second before
 * the first is answered). A module's memory cap is fixed when it is created (see
 * load-engine.ts); a module that a call poisoned is replaced.
 *
 * After answering a call it retires the realm if the call said so (a limit, pending
 * jobs, memory growth, an engine failure, or the realm's call count) and makes the next
 * one right away, so the next call finds it ready.
 */

const port = parentPort;
if (port === null) throw new Error('worker-main.ts must run in a worker thread');
const startData: unknown = workerData;
const cancelBuffer =
  startData !== null && typeof startData === 'object' ? (startData as { cancelBuffer?: unknown }).cancelBuffer : undefined;
if (!(cancelBuffer instanceof SharedArrayBuffer)) throw new Error('sandbox worker needs a cancel buffer');
const cancelWord = new Int32Array(cancelBuffer);

const engines = new EngineCache(2);
/** The realm of each engine; an engine dropped from the cache takes its realm with it. */
const realms = new WeakMap<Engine, GuestRealm>();
prepareRealm(await engines.get(DEFAULT_SANDBOX_LIMITS.memoryBytes));
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
  let engine = await engines.get(message.limits.memoryBytes);
  let realm = realms.get(engine) ?? prepareRealm(engine);
  if (realm === undefined) {
    // The engine could not make a realm and was discarded: one more try with a new one.
    engine = await engines.get(message.limits.memoryBytes);
    realm = prepareRealm(engine);
  }
  if (realm === undefined) {
    const reply: WorkerReply = {
      type: 'done',
      jobId: message.jobId,
      outcome: { ok: false, error: { message: 'code step could not start: the sandbox engine failed to make a realm' } },
      logs: [],
      logsTruncated: false,
      logsDropped: { lines: 0, bytes: 0 },
    };
    port?.postMessage(reply);
    return;
  }
  const run = runInRealm(realm, { ...message, isCancelled: () => Atomics.load(cancelWord, 0) === message.jobId });
  const reply: WorkerReply = {
    type: 'done',
    jobId: message.jobId,
    outcome: run.outcome,
    logs: run.logs,
    logsTruncated: run.logsTruncated,
    logsDropped: run.logsDropped,
  };
  port?.postMessage(reply);
  // Clean-up and the next realm happen after the answer is on its way.
  if (run.retire === undefined) return;
  realms.delete(engine);
  const poisoned = run.poisoned || !disposeRealm(realm);
  if (!poisoned) {
    prepareRealm(engine);
    return;
  }
  engines.discard(engine);
  prepareRealm(await engines.get(engine.memoryBytes));
}

/** Makes `engine`'s realm unless it has one; an engine that cannot make one is discarded. */
function prepareRealm(engine: Engine): GuestRealm | undefined {
  const existing = realms.get(engine);
  if (existing !== undefined) return existing;
  try {
    const realm = createRealm(engine);
    realms.set(engine, realm);
    return realm;
  } catch {
    engines.discard(engine);
    return undefined;
  }
}
