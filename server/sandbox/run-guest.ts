import type { QuickJSContext, QuickJSHandle, QuickJSWASMModule } from 'quickjs-emscripten';
import { ConsoleCapture } from './console-capture.ts';
import { USER_MODULE_FILENAME } from './guest-prelude.ts';
import { CALLS_PER_REALM, cachedFactory, collectConsoleStats, createRealm, disposeRealm, rememberFactory, type GuestRealm } from './guest-realm.ts';
import { interpretGuestAnswer, type RunClock } from './interpret-guest-answer.ts';
import { limitMessage } from './sandbox-limits.ts';
import type { ConsoleLine, SandboxLimits } from './sandbox-types.ts';
import { INPUTS_REFUSED } from './low-level-call.ts';
import { transpileSource } from './transpile-source.ts';
import type { GuestOutcome } from './worker-protocol.ts';

export interface GuestJob {
  source: string;
  language: 'javascript' | 'typescript';
  inputsJson: string;
  limits: SandboxLimits;
  /** Polled by the interrupt handler; true once the host asked to cancel this job. */
  isCancelled: () => boolean;
  /** Seeds the guest's Math.random for this call; a fresh crypto seed when absent (tests fix it). */
  randomSeed?: number;
}

/**
 * The engine a job runs in: a module, whether its memory refused to grow since
 * `resetMemoryRefused`, and the size of its WebAssembly memory (which only grows).
 */
export interface GuestEngine {
  module: QuickJSWASMModule;
  memoryRefused: () => boolean;
  resetMemoryRefused: () => void;
  memorySize: () => number;
}

export interface GuestRun {
  outcome: GuestOutcome;
  logs: ConsoleLine[];
  logsTruncated: boolean;
  /** What the console caps left out (see ConsoleCapture). */
  logsDropped: { lines: number; bytes: number };
  /**
   * The WebAssembly module can no longer be trusted (the engine was torn out mid-call,
   * e.g. by the machine stack overflowing): drop it without disposing anything in it,
   * and load a new one.
   */
  poisoned: boolean;
  /** Why the realm must not serve another call (see guest-realm.ts), or undefined if it may. */
  retire: RetireReason | undefined;
}

export type RetireReason = 'limit' | 'engine' | 'pending-jobs' | 'memory-grew' | 'not-one-function' | 'calls';

/** Promise jobs run per batch between checks of the result and the clock. */
const JOB_BATCH = 256;
const NEVER_SETTLES =
  'e::code step returned a promise that never settles (code steps have no timers, so only promises it resolves itself can complete)';
const NOT_ONE_FUNCTION = 'e::SyntaxError: the code closes its module body early (unbalanced braces at the top level)';

/**
 * Runs one code step in a new realm of `engine` and disposes it before returning. For
 * tests and warm-up; workers keep a realm and use {@link runInRealm}.
 */
export function runGuest(engine: GuestEngine, job: GuestJob): GuestRun {
  const realm = createRealm(engine);
  const run = runInRealm(realm, job);
  if (!run.poisoned && !disposeRealm(realm)) run.poisoned = true;
  return run;
}

/**
 * Runs one code step in `realm` (locked down, see guest-realm.ts), and says whether the
 * realm may serve another call. Synchronous: the interrupt handler is what stops code at
 * its deadline or when cancelled.
 */
export function runInRealm(realm: GuestRealm, job: GuestJob): GuestRun {
  const capture = new ConsoleCapture(job.limits.consoleBytes, job.limits.consoleLines);
  const transpiled = transpileSource(job.source, job.language);
  if (!transpiled.ok && job.language === 'typescript') {
    return { outcome: { ok: false, error: { ...transpiled.error } }, logs: capture.lines, logsTruncated: false, logsDropped: { lines: 0, bytes: 0 }, poisoned: false, retire: undefined };
  }
  const { engine, runtime } = realm;
  const clock = createClock(job.limits.timeoutMs, job.isCancelled);
  const memoryBefore = engine.memorySize();
  const state: CallState = { scratch: [], notOneFunction: false };
  let outcome: GuestOutcome;
  let answer: string | undefined;
  let poisoned = false;
  try {
    realm.calls += 1;
    realm.sink.capture = capture;
    realm.clock = clock;
    engine.resetMemoryRefused();
    if (realm.memoryBytes !== job.limits.memoryBytes) {
      runtime.setMemoryLimit(job.limits.memoryBytes);
      realm.memoryBytes = job.limits.memoryBytes;
    }
    if (realm.stackBytes !== job.limits.stackBytes) {
      runtime.setMaxStackSize(job.limits.stackBytes);
      realm.stackBytes = job.limits.stackBytes;
    }
    if (transpiled.ok) {
      answer = evaluate(realm, transpiled.code, job, clock, state);
      outcome = interpretGuestAnswer(answer, clock, job.limits, engine.memoryRefused());
    } else {
      answer = moduleSyntaxError(realm, job.source, state);
      outcome = answer === undefined ? { ok: false, error: { ...transpiled.error } } : interpretGuestAnswer(answer, clock, job.limits, engine.memoryRefused());
    }
  } catch (error) {
    poisoned = true;
    outcome = { ok: false, error: crashFailure(error, job.limits) };
  }
  realm.sink.capture = undefined;
  realm.clock = undefined;
  if (!poisoned && capture.exhausted) collectConsoleStats(realm, capture);
  if (!poisoned) poisoned = !disposeAll(state.scratch);
  const retire = poisoned ? 'engine' : retireReason(realm, outcome, answer, clock, state, memoryBefore);
  const logsDropped = { lines: capture.droppedLines, bytes: capture.droppedBytes };
  return { outcome, logs: capture.lines, logsTruncated: capture.truncated, logsDropped, poisoned, retire };
}

/**
 * Why the realm must not serve another call after this one, if it must not. A realm is
 * only kept after a call that ended normally (outputs, or an error the user's code
 * threw) and left nothing behind that could act later or crowd the next call.
 */
function retireReason(
  realm: GuestRealm,
  outcome: GuestOutcome,
  answer: string | undefined,
  clock: GuestClock,
  state: CallState,
  memoryBefore: number,
): RetireReason | undefined {
  const { engine, runtime } = realm;
  if (clock.reason !== undefined || (!outcome.ok && outcome.error.limit !== undefined)) return 'limit';
  if (state.notOneFunction) return 'not-one-function';
  if (answer === undefined || engine.memoryRefused()) return 'engine';
  if (runtime.hasPendingJob()) return 'pending-jobs';
  if (engine.memorySize() > memoryBefore) return 'memory-grew';
  if (realm.calls >= CALLS_PER_REALM) return 'calls';
  return undefined;
}

/** Handles made for one call, disposed when it ends. */
interface CallState {
  scratch: QuickJSHandle[];
  notOneFunction: boolean;
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

/**
 * The factory for `code` in `realm`: the cached one, or compiled now (under the call's
 * clock and limits) and checked by the prelude's `adopt` to be exactly the one function
 * expression that wraps the user's code. A string is the guest's tagged answer instead.
 */
function factoryFor(realm: GuestRealm, code: string, state: CallState): QuickJSHandle | string | undefined {
  const cached = cachedFactory(realm, code);
  if (cached !== undefined) return cached;
  const { context } = realm;
  const evaluated = context.evalCode(`(${code})`, USER_MODULE_FILENAME, { type: 'global', strict: true });
  if (evaluated.error !== undefined) {
    state.scratch.push(evaluated.error);
    return callForString(context, realm.describe, evaluated.error);
  }
  const factory = evaluated.value;
  const text = context.newString(code);
  state.scratch.push(text);
  const adopted = valueOrUndefined(context.callFunction(realm.adopt, context.undefined, factory, text));
  const isOne = adopted !== undefined && context.sameValue(adopted, context.true);
  adopted?.dispose();
  if (!isOne) {
    factory.dispose();
    state.notOneFunction = true;
    return NOT_ONE_FUNCTION;
  }
  if (!rememberFactory(realm, code, factory)) state.scratch.push(factory);
  return factory;
}

/**
 * QuickJS's own report of a JavaScript source sucrase could not parse: the source is
 * compiled as a module, never run, so the message and position are the engine's, as
 * they were when sources ran as modules. Undefined if QuickJS compiled it after all
 * (then sucrase's error stands, and the realm, which now holds a module, is retired).
 */
function moduleSyntaxError(realm: GuestRealm, source: string, state: CallState): string | undefined {
  const { context } = realm;
  const compiled = context.evalCode(source, USER_MODULE_FILENAME, { type: 'module', strict: true, compileOnly: true });
  if (compiled.error === undefined) {
    state.scratch.push(compiled.value);
    state.notOneFunction = true;
    return undefined;
  }
  state.scratch.push(compiled.error);
  return callForString(context, realm.describe, compiled.error);
}

const seedWords = new Uint32Array(256);
let seedAt = seedWords.length;

/** A 53-bit seed from the host's crypto for the guest's Math.random, drawn from a refilled pool. */
function randomSeed(): number {
  if (seedAt + 2 > seedWords.length) {
    crypto.getRandomValues(seedWords);
    seedAt = 0;
  }
  const high = seedWords[seedAt++]! & 0x1fffff;
  return high * 4294967296 + seedWords[seedAt++]!;
}

/** Returns the guest's tagged answer (see GUEST_TAGS), or undefined if none was produced. */
function evaluate(realm: GuestRealm, code: string, job: GuestJob, clock: GuestClock, state: CallState): string | undefined {
  const { context, runtime } = realm;
  const factory = factoryFor(realm, code, state);
  if (factory === undefined || typeof factory === 'string') return factory;
  const seedValue = job.randomSeed ?? randomSeed();
  let promise: QuickJSHandle | undefined;
  if (realm.caller !== undefined) {
    const called = realm.caller.call(realm.run, factory, job.inputsJson, job.limits, seedValue);
    if (called === INPUTS_REFUSED) return 'm';
    if (called === undefined) return undefined;
    if ('answer' in called) return afterAnswer(realm, clock, called.answer);
    promise = called.promise;
  } else {
    const inputs = own(state, context.newString(job.inputsJson));
    if (context.typeof(inputs) !== 'string') return 'm';
    const consoleBudget = own(state, context.newNumber(job.limits.consoleBytes));
    const consoleLines = own(state, context.newNumber(job.limits.consoleLines));
    const outputLimit = own(state, context.newNumber(job.limits.outputBytes));
    const seed = own(state, context.newNumber(seedValue));
    promise = valueOrUndefined(context.callFunction(realm.run, context.undefined, factory, inputs, consoleBudget, consoleLines, outputLimit, seed));
    if (promise === undefined) return undefined;
  }
  own(state, promise);

  for (;;) {
    const promiseState = context.getPromiseState(promise);
    if (promiseState.type === 'fulfilled') {
      const text = readString(context, promiseState.value);
      if (promiseState.notAPromise !== true) promiseState.value.dispose();
      return afterAnswer(realm, clock, text);
    }
    if (promiseState.type === 'rejected') {
      // Only an engine error escapes `run`: an interrupt, or its own catch running out
      // of memory; if describing it fails too, memory is what ran out.
      own(state, promiseState.error);
      if (clock.reason !== undefined) return undefined;
      return callForString(context, realm.describe, promiseState.error) ?? 'm';
    }
    if (clock.shouldStop()) return undefined;
    if (!runtime.hasPendingJob()) return NEVER_SETTLES;
    runtime.executePendingJobs(JOB_BATCH).dispose();
  }
}

/**
 * `answer`, once the jobs the code queued and did not wait for (a promise it let go) have had one
 * more batch, as they would have while an await settled; any still pending retire the realm.
 */
function afterAnswer(realm: GuestRealm, clock: GuestClock, answer: string | undefined): string | undefined {
  if (realm.runtime.hasPendingJob() && !clock.shouldStop()) realm.runtime.executePendingJobs(JOB_BATCH).dispose();
  return answer;
}

/** Keeps `handle` to be disposed when the call ends. A function, not a closure made per call (see code.ts). */
function own<T extends QuickJSHandle>(state: CallState, handle: T): T {
  state.scratch.push(handle);
  return handle;
}

/** Disposes `handles`, newest first; false if the engine refused. */
function disposeAll(handles: QuickJSHandle[]): boolean {
  try {
    for (let index = handles.length - 1; index >= 0; index -= 1) {
      const handle = handles[index];
      if (handle?.alive === true) handle.dispose();
    }
    return true;
  } catch {
    return false;
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
