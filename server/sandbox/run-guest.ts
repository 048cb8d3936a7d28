import type { QuickJSContext, QuickJSHandle, QuickJSWASMModule } from 'quickjs-emscripten';
import { ConsoleCapture } from './console-capture.ts';
import { USER_MODULE_FILENAME } from './guest-prelude.ts';
import { applyBudgets, createRealm, disposeRealm, type GuestRealm } from './guest-realm.ts';
import { interpretGuestAnswer, type RunClock } from './interpret-guest-answer.ts';
import { limitMessage } from './sandbox-limits.ts';
import type { ConsoleLine, SandboxLimits } from './sandbox-types.ts';
import { transpileSource } from './transpile-source.ts';
import type { GuestOutcome } from './worker-protocol.ts';

export interface GuestJob {
  source: string;
  language: 'javascript' | 'typescript';
  inputsJson: string;
  limits: SandboxLimits;
  /** Polled by the interrupt handler; true once the host asked to cancel this job. */
  isCancelled: () => boolean;
}

/** The engine a job runs in: a module and whether its memory refused to grow since `resetMemoryRefused`. */
export interface GuestEngine {
  module: QuickJSWASMModule;
  memoryRefused: () => boolean;
  resetMemoryRefused: () => void;
}

export interface GuestRun {
  outcome: GuestOutcome;
  logs: ConsoleLine[];
  logsTruncated: boolean;
  /**
   * The WebAssembly module can no longer be trusted (the engine was torn out mid-call,
   * e.g. by the machine stack overflowing): drop it without disposing anything in it,
   * and load a new one.
   */
  poisoned: boolean;
  /**
   * The realm the call ran in, undefined if it never needed one (the source did not
   * transpile). Unless `poisoned`, the caller must dispose it, which it may do after it
   * has sent the answer; it must never give it to another call.
   */
  realm: GuestRealm | undefined;
}

/** Promise jobs run per batch between checks of the result and the clock. */
const JOB_BATCH = 256;
const NEVER_SETTLES =
  'e::code step returned a promise that never settles (code steps have no timers, so only promises it resolves itself can complete)';

/**
 * Runs one code step in a new realm of `engine` and disposes it before returning, so
 * nothing a call does is visible to the next. For tests and warm-up; workers use
 * {@link runInRealm} with a realm prepared ahead.
 */
export function runGuest(engine: GuestEngine, job: GuestJob): GuestRun {
  const run = runInRealm(() => createRealm(engine), job);
  if (run.realm !== undefined && !run.poisoned && !disposeRealm(run.realm)) run.poisoned = true;
  return run;
}

/**
 * Runs one code step in the realm `takeRealm` returns (fresh and unused, see
 * guest-realm.ts), asked for only once the source has transpiled. Synchronous: the
 * interrupt handler is what stops code at its deadline or when cancelled.
 */
export function runInRealm(takeRealm: () => GuestRealm, job: GuestJob): GuestRun {
  const capture = new ConsoleCapture(job.limits.consoleBytes);
  const transpiled = transpileSource(job.source, job.language);
  if (!transpiled.ok) {
    return { outcome: { ok: false, error: { ...transpiled.error } }, logs: capture.lines, logsTruncated: false, poisoned: false, realm: undefined };
  }
  let realm: GuestRealm | undefined;
  let outcome: GuestOutcome;
  let poisoned = false;
  try {
    realm = takeRealm();
    if (realm.used) throw new Error('a realm was offered to a second call');
    realm.used = true;
    realm.sink.capture = capture;
    const { engine, runtime } = realm;
    const clock = createClock(job.limits.timeoutMs, job.isCancelled);
    engine.resetMemoryRefused();
    runtime.setMemoryLimit(job.limits.memoryBytes);
    runtime.setMaxStackSize(job.limits.stackBytes);
    runtime.setInterruptHandler(() => clock.shouldStop());
    const answer = evaluate(realm, transpiled.code, job, clock);
    outcome = interpretGuestAnswer(answer, clock, job.limits, engine.memoryRefused());
  } catch (error) {
    poisoned = true;
    outcome = { ok: false, error: crashFailure(error, job.limits) };
  }
  if (realm !== undefined) realm.sink.capture = undefined;
  return { outcome, logs: capture.lines, logsTruncated: capture.truncated, poisoned, realm };
}

/** The run's clock, polled by the interrupt handler: true once the code must stop. */
type GuestClock = RunClock & { shouldStop(): boolean };

function createClock(timeoutMs: number, isCancelled: () => boolean): GuestClock {
  const deadline = performance.now() + timeoutMs;
  const clock: GuestClock = {
    reason: undefined,
    shouldStop() {
      if (clock.reason === undefined) {
        if (isCancelled()) clock.reason = 'cancelled';
        else if (performance.now() > deadline) clock.reason = 'timeout';
      }
      return clock.reason !== undefined;
    },
  };
  return clock;
}

/** Returns the guest's tagged answer (see GUEST_TAGS), or undefined if none was produced. */
function evaluate(realm: GuestRealm, code: string, job: GuestJob, clock: GuestClock): string | undefined {
  const { context, runtime, describe } = realm;
  const own = <T extends QuickJSHandle>(handle: T): T => {
    realm.handles.push(handle);
    return handle;
  };
  if (!applyBudgets(realm, job.limits)) return undefined;

  const evaluated = context.evalCode(code, USER_MODULE_FILENAME, { type: 'module', strict: true });
  if (evaluated.error !== undefined) return callForString(context, describe, own(evaluated.error));
  const moduleValue = own(evaluated.value);
  const inputs = own(context.newString(job.inputsJson));
  if (context.typeof(inputs) !== 'string') return 'm';
  const promise = valueOrUndefined(context.callFunction(realm.run, context.undefined, moduleValue, inputs));
  if (promise === undefined) return undefined;
  own(promise);

  for (;;) {
    const state = context.getPromiseState(promise);
    if (state.type === 'fulfilled') {
      const text = readString(context, state.value);
      if (state.notAPromise !== true) state.value.dispose();
      return text;
    }
    if (state.type === 'rejected') {
      // Only an engine error escapes `run`: an interrupt, or its own catch running out
      // of memory; if describing it fails too, memory is what ran out.
      own(state.error);
      if (clock.reason !== undefined) return undefined;
      return callForString(context, describe, state.error) ?? 'm';
    }
    if (clock.shouldStop()) return undefined;
    if (!runtime.hasPendingJob()) return NEVER_SETTLES;
    runtime.executePendingJobs(JOB_BATCH).dispose();
  }
}

/** What evalCode and callFunction return: a value or an error handle, either owned by the caller. */
type ContextResult = ReturnType<QuickJSContext['evalCode']>;

function valueOrUndefined(result: ContextResult): QuickJSHandle | undefined {
  if (result.error !== undefined) {
    result.error.dispose();
    return undefined;
  }
  return result.value;
}

function callForString(context: QuickJSContext, fn: QuickJSHandle, argument: QuickJSHandle): string | undefined {
  const value = valueOrUndefined(context.callFunction(fn, context.undefined, argument));
  if (value === undefined) return undefined;
  try {
    return readString(context, value);
  } finally {
    value.dispose();
  }
}

function readString(context: QuickJSContext, handle: QuickJSHandle): string | undefined {
  return context.typeof(handle) === 'string' ? context.getString(handle) : undefined;
}

function crashFailure(error: unknown, limits: SandboxLimits): { message: string; limit?: 'stack' } {
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return { message: limitMessage('stack', limits), limit: 'stack' };
  }
  const detail = error instanceof Error ? error.message : String(error);
  return { message: `code step crashed the sandbox engine (${detail.slice(0, 200)})` };
}
