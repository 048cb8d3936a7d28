/** The limits a code step runs under. Each one, when hit, is named in the failure. */
export type SandboxLimitName = 'timeout' | 'memory' | 'stack' | 'output' | 'console';

/**
 * Limits for one code-step call. All sizes are in bytes.
 *
 * - `timeoutMs`: wall-clock time for evaluating the module, calling its default export and
 *   every promise job it queues. There are no timers, so nothing can outlive the call.
 * - `memoryBytes`: the QuickJS heap (every object, string and buffer the code allocates).
 * - `stackBytes`: the QuickJS interpreter stack (how deep code may recurse).
 * - `outputBytes`: the UTF-8 size of the outputs, serialised as JSON inside the sandbox.
 * - `consoleBytes`: captured console text (UTF-8, plus one byte per line), and
 * - `consoleLines`: captured console lines; past either, the logs are cut, `logsTruncated`
 *   is set and `logsDropped` counts what was left out, which does not fail the step.
 */
export interface SandboxLimits {
  timeoutMs: number;
  memoryBytes: number;
  stackBytes: number;
  outputBytes: number;
  consoleBytes: number;
  consoleLines: number;
}

export type ConsoleLevel = 'log' | 'info' | 'warn' | 'error' | 'debug';

export interface ConsoleLine {
  level: ConsoleLevel;
  text: string;
}

export interface SandboxRequest {
  /** A module whose default export is `(inputs) => outputs`, sync or async. */
  source: string;
  language: 'javascript' | 'typescript';
  /** JSON-serialisable; the code receives a fresh copy parsed inside the sandbox. */
  inputs: Record<string, unknown>;
  limits?: Partial<SandboxLimits>;
  /**
   * Who the call is for (a run id). Workers are shared fairly between owners: a free worker goes
   * to the owner with the fewest calls running. Calls without an owner share one.
   */
  owner?: string;
  /** Called, at most once, when the call has to wait for a worker because all are busy. */
  onQueued?: () => void;
  /** Called once the call reaches a worker: its time limit starts now, not when it was queued. */
  onStart?: () => void;
}

export interface SandboxFailure {
  message: string;
  /** Set when the step failed because it hit one of its limits. */
  limit?: SandboxLimitName;
  /** 1-based position in the user's source (TypeScript positions are the same lines). */
  line?: number;
  column?: number;
}

/**
 * `durationMs` is the wall-clock time the call spent in a worker (queueing for a free
 * worker is not counted; a call cancelled or refused before it reached one reports 0).
 */
export type SandboxResult = (
  | { ok: true; outputs: Record<string, unknown> }
  | { ok: false; error: SandboxFailure }
) & {
  logs: ConsoleLine[];
  logsTruncated: boolean;
  /** What the console caps left out: whole lines, and UTF-8 bytes of text (of those lines and the cut end of one). */
  logsDropped: { lines: number; bytes: number };
  durationMs: number;
};

export interface Sandbox {
  /**
   * Never rejects: every problem, including a cancelled or crashed call, is a failed result.
   * `signal` cancels the call; given as a function, it is called only when the call does not
   * finish in-process (an in-process call runs to its end or its budget at once, so it has
   * nothing to cancel), which spares the caller a signal per warm call.
   */
  run(request: SandboxRequest, signal?: AbortSignal | (() => AbortSignal)): Promise<SandboxResult>;
  /** Terminates the workers; calls still waiting or running resolve as failed. */
  close(): Promise<void>;
}
