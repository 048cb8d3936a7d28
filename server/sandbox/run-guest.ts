import type {
  JSModuleLoader,
  JSModuleNormalizer,
  QuickJSContext,
  QuickJSHandle,
  QuickJSRuntime,
  QuickJSWASMModule,
} from 'quickjs-emscripten';
import { ConsoleCapture } from './console-capture.ts';
import { GUEST_CONSOLE_LEVELS, GUEST_PRELUDE_SOURCE, USER_MODULE_FILENAME } from './guest-prelude.ts';
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
   * e.g. by the machine stack overflowing, or a clean-up failed): load a new one.
   */
  poisoned: boolean;
}

/** Promise jobs run per batch between checks of the result and the clock. */
const JOB_BATCH = 256;
const NEVER_SETTLES =
  'e::code step returned a promise that never settles (code steps have no timers, so only promises it resolves itself can complete)';

const refuseModule: JSModuleLoader = (name) => ({
  error: new Error(`code steps cannot import modules (tried to import "${name.slice(0, 100)}")`),
});
const keepModuleName: JSModuleNormalizer = (_base: string, requested: string) => requested;

/**
 * Runs one code step in a fresh QuickJS runtime and context of `module`, then disposes
 * both, so nothing a call does is visible to the next. Synchronous: the interrupt
 * handler is what stops code at its deadline or when cancelled.
 */
export function runGuest(engine: GuestEngine, job: GuestJob): GuestRun {
  const capture = new ConsoleCapture(job.limits.consoleBytes);
  const transpiled = transpileSource(job.source, job.language);
  if (!transpiled.ok) {
    return { outcome: { ok: false, error: transpiled.error }, logs: capture.lines, logsTruncated: false, poisoned: false };
  }
  const clock = createClock(job.limits.timeoutMs, job.isCancelled);
  const handles: QuickJSHandle[] = [];
  let runtime: QuickJSRuntime | undefined;
  let context: QuickJSContext | undefined;
  let outcome: GuestOutcome;
  let poisoned = false;
  engine.resetMemoryRefused();
  try {
    runtime = engine.module.newRuntime();
    runtime.setMemoryLimit(job.limits.memoryBytes);
    runtime.setMaxStackSize(job.limits.stackBytes);
    runtime.setInterruptHandler(() => clock.shouldStop());
    runtime.setModuleLoader(refuseModule, keepModuleName);
    context = runtime.newContext();
    const answer = evaluate(context, runtime, transpiled.code, job, capture, clock, handles);
    outcome = interpretGuestAnswer(answer, clock, job.limits, engine.memoryRefused());
  } catch (error) {
    poisoned = true;
    outcome = { ok: false, error: crashFailure(error, job.limits) };
  }
  if (!poisoned) poisoned = !disposeAll(handles, context, runtime);
  return { outcome, logs: capture.lines, logsTruncated: capture.truncated, poisoned };
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
function evaluate(
  context: QuickJSContext,
  runtime: QuickJSRuntime,
  code: string,
  job: GuestJob,
  capture: ConsoleCapture,
  clock: GuestClock,
  handles: QuickJSHandle[],
): string | undefined {
  const own = <T extends QuickJSHandle>(handle: T): T => {
    handles.push(handle);
    return handle;
  };
  const hostWrite = own(
    context.newFunction('write', (level, text, cut) => receiveConsole(context, capture, level, text, cut)),
  );
  const factory = valueOrUndefined(context.evalCode(GUEST_PRELUDE_SOURCE, 'sandbox-prelude.js', { strict: true }));
  if (factory === undefined) return undefined;
  own(factory);
  const budget = own(context.newNumber(job.limits.consoleBytes));
  const outputLimit = own(context.newNumber(job.limits.outputBytes));
  const api = valueOrUndefined(context.callFunction(factory, context.undefined, hostWrite, budget, outputLimit));
  if (api === undefined) return undefined;
  own(api);
  const run = own(context.getProp(api, 'run'));
  const describe = own(context.getProp(api, 'describe'));

  const evaluated = context.evalCode(code, USER_MODULE_FILENAME, { type: 'module', strict: true });
  if (evaluated.error !== undefined) return callForString(context, describe, own(evaluated.error));
  const moduleValue = own(evaluated.value);
  const inputs = own(context.newString(job.inputsJson));
  if (context.typeof(inputs) !== 'string') return 'm';
  const promise = valueOrUndefined(context.callFunction(run, context.undefined, moduleValue, inputs));
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

function receiveConsole(
  context: QuickJSContext,
  capture: ConsoleCapture,
  level: QuickJSHandle | undefined,
  text: QuickJSHandle | undefined,
  cut: QuickJSHandle | undefined,
): void {
  try {
    if (capture.truncated || level === undefined || text === undefined) return;
    if (context.typeof(level) !== 'number' || context.typeof(text) !== 'string') return;
    const levelName = GUEST_CONSOLE_LEVELS[context.getNumber(level)];
    if (levelName === undefined) return;
    const wasCut = cut !== undefined && context.sameValue(cut, context.true);
    capture.write(levelName, context.getString(text), wasCut);
  } catch {
    // The engine must never see a host exception from the console sink.
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

/** Disposes in reverse order of creation; false if the engine refused (then it is discarded). */
function disposeAll(handles: QuickJSHandle[], context: QuickJSContext | undefined, runtime: QuickJSRuntime | undefined): boolean {
  try {
    for (let index = handles.length - 1; index >= 0; index -= 1) {
      const handle = handles[index];
      if (handle?.alive === true) handle.dispose();
    }
    context?.dispose();
    runtime?.dispose();
    return true;
  } catch {
    return false;
  }
}
