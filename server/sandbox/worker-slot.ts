import { Worker, type ResourceLimits } from 'node:worker_threads';
import { limitMessage } from './sandbox-limits.ts';
import { CANCELLED, SANDBOX_CLOSED, failedResult, resultFromReply } from './sandbox-results.ts';
import type { SandboxFailure, SandboxLimits, SandboxResult } from './sandbox-types.ts';
import { readWorkerReply } from './read-worker-message.ts';
import type { RunMessage, WorkerStartData } from './worker-protocol.ts';

export interface SlotJob {
  readonly id: number;
  readonly message: RunMessage;
  readonly limits: SandboxLimits;
  /** Set by the slot when the job reaches a worker. */
  dispatchedAt: number | undefined;
  /** Called by the slot once the job has been sent to its worker (its time limit runs from here). */
  onDispatch?: () => void;
  /** Resolves the caller; calls after the first are ignored. */
  settle(result: SandboxResult): void;
}

export interface WorkerSlotOptions {
  entry: URL;
  resourceLimits: ResourceLimits;
  /** How long past its timeout a call may run before its worker is terminated. */
  killMarginMs: (timeoutMs: number) => number;
  /** How long a cancelled call's worker may take to stop before it is terminated. */
  cancelGraceMs: number;
  startTimeoutMs: number;
  onAvailable: () => void;
  onStartFailure: (error: Error, consecutiveFailures: number) => void;
}

interface RunningJob {
  job: SlotJob;
  startedAt: number;
  timer: NodeJS.Timeout;
}

/**
 * One place in the pool: a worker thread that is replaced whenever it dies, hangs past
 * its margin, or fails to stop when cancelled. Events from a worker that has already
 * been replaced are ignored.
 */
export class WorkerSlot {
  private worker: Worker | undefined;
  private ready = false;
  private running: RunningJob | undefined;
  private startTimer: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private startFailures = 0;
  private lastError: Error | undefined;
  private closed = false;
  private readonly cancelBuffer = new SharedArrayBuffer(4);

  constructor(private readonly options: WorkerSlotOptions) {
    this.spawn();
  }

  get idle(): boolean {
    return this.ready && this.running === undefined && !this.closed;
  }

  get isReady(): boolean {
    return this.ready;
  }

  execute(job: SlotJob): void {
    const worker = this.worker;
    if (!this.idle || worker === undefined) throw new Error('sandbox worker slot is not idle');
    const { timeoutMs } = job.limits;
    const timer = setTimeout(
      () => this.abandon({ message: limitMessage('timeout', job.limits), limit: 'timeout' }),
      timeoutMs + this.options.killMarginMs(timeoutMs),
    );
    job.dispatchedAt = performance.now();
    this.running = { job, startedAt: job.dispatchedAt, timer };
    worker.ref();
    worker.postMessage(job.message);
    job.onDispatch?.();
  }

  /** Asks the engine to stop `jobId` at its next interrupt check; terminates the worker if it does not. */
  cancel(jobId: number): void {
    const running = this.running;
    if (running?.job.id !== jobId) return;
    Atomics.store(new Int32Array(this.cancelBuffer), 0, jobId);
    clearTimeout(running.timer);
    running.timer = setTimeout(() => this.abandon(CANCELLED), this.options.cancelGraceMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.startTimer);
    clearTimeout(this.restartTimer);
    this.finishRunning(SANDBOX_CLOSED);
    const worker = this.worker;
    this.worker = undefined;
    this.ready = false;
    if (worker !== undefined) await worker.terminate();
  }

  private spawn(): void {
    if (this.closed) return;
    const startData: WorkerStartData = { cancelBuffer: this.cancelBuffer };
    let worker: Worker;
    try {
      worker = new Worker(this.options.entry, {
        name: 'weft-sandbox',
        workerData: startData,
        resourceLimits: this.options.resourceLimits,
        execArgv: [],
        env: {},
      });
    } catch (error) {
      this.startFailed(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.worker = worker;
    this.ready = false;
    this.lastError = undefined;
    this.startTimer = setTimeout(() => {
      this.lastError = new Error(`did not start within ${this.options.startTimeoutMs} ms`);
      void worker.terminate();
    }, this.options.startTimeoutMs);
    worker.on('message', (raw: unknown) => {
      if (worker === this.worker) this.receive(worker, raw);
    });
    worker.on('error', (error: Error) => {
      if (worker === this.worker) this.lastError = error;
    });
    worker.on('exit', () => {
      if (worker === this.worker) this.exited();
    });
  }

  private receive(worker: Worker, raw: unknown): void {
    const reply = readWorkerReply(raw);
    if (reply === undefined) return;
    if (reply.type === 'ready') {
      clearTimeout(this.startTimer);
      this.ready = true;
      this.startFailures = 0;
      worker.unref();
      this.options.onAvailable();
      return;
    }
    const running = this.running;
    if (running === undefined || running.job.id !== reply.jobId) return;
    clearTimeout(running.timer);
    this.running = undefined;
    worker.unref();
    running.job.settle(resultFromReply(reply, performance.now() - running.startedAt));
    this.options.onAvailable();
  }

  private exited(): void {
    clearTimeout(this.startTimer);
    const wasReady = this.ready;
    const error = this.lastError ?? new Error('worker exited');
    this.worker = undefined;
    this.ready = false;
    this.finishRunning(crashFailure(error, this.running?.job.limits));
    if (this.closed) return;
    if (wasReady) this.spawn();
    else this.startFailed(error);
  }

  /** Retries with a growing delay, so a worker that cannot start does not spin. */
  private startFailed(error: Error): void {
    this.startFailures += 1;
    this.options.onStartFailure(error, this.startFailures);
    const delay = Math.min(5000, 100 * 2 ** this.startFailures);
    this.restartTimer = setTimeout(() => this.spawn(), delay);
    this.restartTimer.unref();
  }

  /** Settles the running job with `failure`, terminates its worker and starts another. */
  private abandon(failure: SandboxFailure): void {
    this.finishRunning(failure);
    const worker = this.worker;
    this.worker = undefined;
    this.ready = false;
    if (worker !== undefined) void worker.terminate();
    this.spawn();
  }

  private finishRunning(failure: SandboxFailure): void {
    const running = this.running;
    if (running === undefined) return;
    clearTimeout(running.timer);
    this.running = undefined;
    running.job.settle(failedResult(failure, performance.now() - running.startedAt));
  }
}

function crashFailure(error: Error, limits: SandboxLimits | undefined): SandboxFailure {
  const code = (error as Error & { code?: unknown }).code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY' && limits !== undefined) {
    return { message: limitMessage('memory', limits, 'the sandbox worker ran out of memory'), limit: 'memory' };
  }
  return { message: `code step crashed its sandbox worker (${error.message.slice(0, 200)})` };
}
