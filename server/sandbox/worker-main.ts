import { parentPort, workerData } from 'node:worker_threads';
import { EngineCache } from './load-engine.ts';
import { DEFAULT_SANDBOX_LIMITS } from './sandbox-limits.ts';
import { runGuest } from './run-guest.ts';
import { runMessageSchema, type RunMessage, type WorkerReply } from './worker-protocol.ts';

/**
 * A sandbox worker thread: one QuickJS WebAssembly module, reused across calls, each
 * call in a fresh runtime and context. It runs one job at a time (the pool never sends
 * a second before the first is answered). A module's memory cap is fixed when it is
 * created (see load-engine.ts), so it keeps one per memory limit in use, and replaces
 * one that a call poisoned.
 */

const port = parentPort;
if (port === null) throw new Error('worker-main.ts must run in a worker thread');
const startData: unknown = workerData;
const cancelBuffer =
  startData !== null && typeof startData === 'object' ? (startData as { cancelBuffer?: unknown }).cancelBuffer : undefined;
if (!(cancelBuffer instanceof SharedArrayBuffer)) throw new Error('sandbox worker needs a cancel buffer');
const cancelWord = new Int32Array(cancelBuffer);

const engines = new EngineCache(2);
await engines.get(DEFAULT_SANDBOX_LIMITS.memoryBytes);
let queue: Promise<void> = Promise.resolve();
port.on('message', (raw: unknown) => {
  queue = queue.then(() => handle(raw));
});
// Announce readiness from a timer: the thread does a few hundred milliseconds of start-up
// work (module loading, compiler tiers) after this module finishes evaluating, and a job
// sent before it would wait behind it with its clock already running.
setTimeout(() => port.postMessage({ type: 'ready' } satisfies WorkerReply), 0);

async function handle(raw: unknown): Promise<void> {
  const parsed = runMessageSchema.safeParse(raw);
  if (!parsed.success) return;
  const message: RunMessage = parsed.data;
  const engine = await engines.get(message.limits.memoryBytes);
  const run = runGuest(engine, {
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
  if (run.poisoned) {
    engines.discard(engine);
    await engines.get(engine.memoryBytes);
  }
}
