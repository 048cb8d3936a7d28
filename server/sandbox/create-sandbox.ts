import type { ResourceLimits } from 'node:worker_threads';
import { FairQueue } from './fair-queue.ts';
import { DEFAULT_IN_PROCESS_BUDGET_MS, InProcessRunner, type Placement } from './in-process-runner.ts';
import { prepareRequest } from './prepare-request.ts';
import { CANCELLED, SANDBOX_CLOSED, failedResult } from './sandbox-results.ts';
import type { Sandbox, SandboxRequest, SandboxResult } from './sandbox-types.ts';
import { WorkerSlot, type SlotJob } from './worker-slot.ts';

/** Internal options; the public {@link createSandbox} only takes `poolSize`. Tests use the rest. */
export interface SandboxPoolOptions {
  poolSize?: number;
  workerEntry?: URL;
  resourceLimits?: ResourceLimits;
  killMarginMs?: (timeoutMs: number) => number;
  cancelGraceMs?: number;
  startTimeoutMs?: number;
  /** The in-process budget (see in-process-runner.ts); 0 sends every call to a worker. */
  inProcessBudgetMs?: number;
  /** Told where each call that reached the engine ran (tests and the bench). */
  onPlacement?: (placement: Placement) => void;
}

export const DEFAULT_POOL_SIZE = 2;
export const MAX_POOL_SIZE = 64;
/** After this many failed starts in a row with no worker ready, waiting calls fail. */
const START_FAILURES_BEFORE_GIVING_UP = 3;
const MAX_JOB_ID = 0x7fffffff;

/**
 * Worker heap for the host side of the engine (the QuickJS heap itself is WebAssembly
 * memory, limited per call). The large thread stack keeps the machine stack deeper than
 * anything QuickJS's own stack limit allows, so QuickJS reports overflows first.
 */
export const SANDBOX_WORKER_RESOURCE_LIMITS: ResourceLimits = Object.freeze({
  maxOldGenerationSizeMb: 128,
  maxYoungGenerationSizeMb: 32,
  stackSizeMb: 32,
});

/**
 * Starts a warm pool of sandbox workers (default 2), and an in-process engine that runs
 * short calls first (`inProcessBudgetMs`, default 2 ms; 0 turns it off).
 */
export function createSandbox(options?: { poolSize?: number; inProcessBudgetMs?: number }): Sandbox {
  return createSandboxPool({ poolSize: options?.poolSize, inProcessBudgetMs: options?.inProcessBudgetMs });
}

export function createSandboxPool(options: SandboxPoolOptions): Sandbox {
  const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
  if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > MAX_POOL_SIZE) {
    throw new RangeError(`sandbox poolSize must be a whole number from 1 to ${MAX_POOL_SIZE}, got ${String(poolSize)}`);
  }
  const budgetMs = options.inProcessBudgetMs ?? DEFAULT_IN_PROCESS_BUDGET_MS;
  if (!Number.isFinite(budgetMs) || budgetMs < 0 || budgetMs > 100) {
    throw new RangeError(`sandbox inProcessBudgetMs must be from 0 to 100, got ${String(budgetMs)}`);
  }
  const inProcess = budgetMs > 0 ? new InProcessRunner(budgetMs) : undefined;
  const queue = new FairQueue<SlotJob>();
  const slotOf = new WeakMap<SlotJob, WorkerSlot>();
  let closed = false;
  let lastJobId = 0;

  const pump = (): void => {
    for (const slot of slots) {
      if (queue.size === 0) return;
      if (!slot.idle) continue;
      const next = queue.next();
      if (next === undefined) return;
      slotOf.set(next.job, slot);
      slot.execute(next.job);
    }
  };

  const failQueued = (message: string): void => {
    for (const job of queue.drain()) job.settle(failedResult({ message }, 0));
  };

  const slots: WorkerSlot[] = Array.from(
    { length: poolSize },
    () =>
      new WorkerSlot({
        entry: options.workerEntry ?? new URL('./worker-entry.mjs', import.meta.url),
        resourceLimits: options.resourceLimits ?? SANDBOX_WORKER_RESOURCE_LIMITS,
        killMarginMs: options.killMarginMs ?? ((timeoutMs) => Math.max(1000, Math.round(timeoutMs / 4))),
        cancelGraceMs: options.cancelGraceMs ?? 500,
        startTimeoutMs: options.startTimeoutMs ?? 30_000,
        onAvailable: pump,
        onStartFailure: (error, failures) => {
          if (failures >= START_FAILURES_BEFORE_GIVING_UP && !slots.some((slot) => slot.isReady)) {
            failQueued(`sandbox worker could not start (${error.message.slice(0, 200)})`);
          }
        },
      }),
  );

  return {
    run(request: SandboxRequest, signalOrMake?: AbortSignal | (() => AbortSignal)): Promise<SandboxResult> {
      if (closed) return Promise.resolve(failedResult(SANDBOX_CLOSED, 0));
      const prepared = prepareRequest(request);
      if (!prepared.ok) return Promise.resolve(failedResult(prepared.error, 0));
      if (typeof signalOrMake !== 'function' && signalOrMake?.aborted === true) return Promise.resolve(failedResult(CANCELLED, 0));
      let placement: Placement = 'worker';
      if (inProcess !== undefined) {
        const attempt = inProcess.tryRun(prepared.message);
        if ('result' in attempt) {
          // Synchronous, so the call has started and finished by now; a moved call starts on its worker.
          notify(request.onStart);
          notify(() => options.onPlacement?.('in-process'));
          return Promise.resolve(attempt.result);
        }
        placement = attempt.placement;
      }
      // Made only now, for a call that goes to a worker (see Sandbox.run).
      const signal = typeof signalOrMake === 'function' ? signalOrMake() : signalOrMake;
      if (signal?.aborted === true) return Promise.resolve(failedResult(CANCELLED, 0));
      notify(() => options.onPlacement?.(placement));
      lastJobId = lastJobId >= MAX_JOB_ID ? 1 : lastJobId + 1;
      const id = lastJobId;
      const owner = request.owner ?? '';
      return new Promise<SandboxResult>((resolve) => {
        let settled = false;
        const onAbort = (): void => {
          queue.remove(owner, job);
          slotOf.get(job)?.cancel(id);
          const started = job.dispatchedAt;
          job.settle(failedResult(CANCELLED, started === undefined ? 0 : performance.now() - started));
        };
        const job: SlotJob = {
          id,
          message: { ...prepared.message, jobId: id },
          limits: prepared.limits,
          dispatchedAt: undefined,
          onDispatch: () => notify(request.onStart),
          settle(result) {
            if (settled) return;
            settled = true;
            if (placement === 'worker' && result.ok) inProcess?.trust(prepared.message, result.durationMs);
            if (slotOf.has(job)) queue.finished(owner);
            signal?.removeEventListener('abort', onAbort);
            resolve(result);
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(owner, job);
        pump();
        if (!settled && job.dispatchedAt === undefined) notify(request.onQueued);
      });
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      inProcess?.close();
      failQueued(SANDBOX_CLOSED.message);
      await Promise.all(slots.map((slot) => slot.close()));
    },
  };
}

/** Runs a caller's progress callback; one that throws must not break the pool. */
function notify(callback: (() => void) | undefined): void {
  try {
    callback?.();
  } catch {
    // The caller's own problem: the call goes on.
  }
}
