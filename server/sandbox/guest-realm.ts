import type { JSModuleLoader, JSModuleNormalizer, QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten';
import type { ConsoleCapture } from './console-capture.ts';
import { GUEST_CONSOLE_LEVELS, GUEST_PRELUDE_SOURCE, GUEST_REPORTING_SOURCE } from './guest-prelude.ts';
import type { GuestEngine } from './run-guest.ts';

/**
 * A fresh QuickJS runtime and context with the guest prelude already evaluated: one
 * call's realm, made before the call arrives.
 *
 * Why prepare ahead: creating a context (all the intrinsics) and compiling the prelude
 * are most of what a warm call costs, and none of it depends on the call. A worker makes
 * the next realm right after it has answered (and disposed the previous realm), so the
 * work overlaps the host's round trip and any idle time instead of sitting on the call's
 * critical path.
 *
 * Why this is still one realm per call: a realm is used by exactly one call and then
 * disposed, runtime included (see {@link GuestRealm.used}). Nothing but the prelude has
 * run in it before its call, and the prelude takes no input from any call. Everything
 * that depends on the call is applied when it starts: memory and stack limits, the
 * interrupt handler with the call's clock, the console budget and output limit
 * (`begin`, see {@link applyBudgets}), and the capture the console sink writes to. Only one realm exists in an
 * engine at a time (the previous one is disposed before the next is made), so the
 * memory cap of the engine's WebAssembly memory holds exactly as before.
 */
export interface GuestRealm {
  readonly engine: GuestEngine;
  readonly runtime: QuickJSRuntime;
  readonly context: QuickJSContext;
  /** The prelude's api: `begin(consoleBudget, outputLimit)`, `run(module, inputsJson)`, `describe(error)`. */
  readonly begin: QuickJSHandle;
  readonly run: QuickJSHandle;
  readonly describe: QuickJSHandle;
  /** Every handle made for the realm, disposed in reverse order with it. */
  readonly handles: QuickJSHandle[];
  /** Where the console sink writes; the call that uses the realm sets `capture`. */
  readonly sink: { capture: ConsoleCapture | undefined };
  /** Set when a call takes the realm; a used realm is never given to another call. */
  used: boolean;
  /** What `begin` was last called with, if it was. */
  budgets: Budgets | undefined;
}

/** The per-call values the prelude holds: the console budget and the output limit. */
export interface Budgets {
  consoleBytes: number;
  outputBytes: number;
}

const refuseModule: JSModuleLoader = (name) => ({
  error: new Error(`code steps cannot import modules (tried to import "${name.slice(0, 100)}")`),
});
const keepModuleName: JSModuleNormalizer = (_base: string, requested: string) => requested;

/**
 * Makes a realm in `engine`. Throws if the engine fails (it should then be discarded);
 * whatever was made before the failure is disposed.
 */
export function createRealm(engine: GuestEngine, budgets?: Budgets): GuestRealm {
  const runtime = engine.module.newRuntime();
  const handles: QuickJSHandle[] = [];
  let context: QuickJSContext | undefined;
  try {
    runtime.setModuleLoader(refuseModule, keepModuleName);
    context = runtime.newContext();
    const realmContext = context;
    const own = <T extends QuickJSHandle>(handle: T): T => {
      handles.push(handle);
      return handle;
    };
    const sink: GuestRealm['sink'] = { capture: undefined };
    const hostWrite = own(
      context.newFunction('write', (level, text, cut) => receiveConsole(realmContext, sink.capture, level, text, cut)),
    );
    const factory = own(context.evalCode(GUEST_PRELUDE_SOURCE, 'sandbox-prelude.js', { strict: true }).unwrap());
    const reportingSource = own(context.newString(GUEST_REPORTING_SOURCE));
    const api = own(context.callFunction(factory, context.undefined, hostWrite, reportingSource).unwrap());
    const realm: GuestRealm = {
      engine,
      runtime,
      context,
      begin: own(context.getProp(api, 'begin')),
      run: own(context.getProp(api, 'run')),
      describe: own(context.getProp(api, 'describe')),
      handles,
      sink,
      used: false,
      budgets: undefined,
    };
    if (budgets !== undefined && !applyBudgets(realm, budgets)) throw new Error('the sandbox prelude refused its budgets');
    return realm;
  } catch (error) {
    disposeHandles(handles, context, runtime);
    throw error;
  }
}

/**
 * Calls the prelude's `begin` with `budgets` unless it already holds them. A realm is
 * prepared with the budgets of the call before it, which most calls share, so most calls
 * skip this round trip into the engine; `begin` only sets two numbers that nothing reads
 * before the user's module runs, so calling it early leaves the realm exactly as calling
 * it at the start of the call would. False if the engine failed to run it.
 */
export function applyBudgets(realm: GuestRealm, budgets: Budgets): boolean {
  const current = realm.budgets;
  if (current?.consoleBytes === budgets.consoleBytes && current.outputBytes === budgets.outputBytes) return true;
  const { context } = realm;
  const consoleBytes = context.newNumber(budgets.consoleBytes);
  const outputBytes = context.newNumber(budgets.outputBytes);
  try {
    const result = context.callFunction(realm.begin, context.undefined, consoleBytes, outputBytes);
    if (result.error !== undefined) {
      result.error.dispose();
      return false;
    }
    result.value.dispose();
    realm.budgets = { consoleBytes: budgets.consoleBytes, outputBytes: budgets.outputBytes };
    return true;
  } finally {
    outputBytes.dispose();
    consoleBytes.dispose();
  }
}

/** Disposes the realm's handles, context and runtime; false if the engine refused (then discard it). */
export function disposeRealm(realm: GuestRealm): boolean {
  realm.used = true;
  return disposeHandles(realm.handles, realm.context, realm.runtime);
}

function disposeHandles(handles: QuickJSHandle[], context: QuickJSContext | undefined, runtime: QuickJSRuntime): boolean {
  try {
    for (let index = handles.length - 1; index >= 0; index -= 1) {
      const handle = handles[index];
      if (handle?.alive === true) handle.dispose();
    }
    handles.length = 0;
    if (context?.alive === true) context.dispose();
    if (runtime.alive) runtime.dispose();
    return true;
  } catch {
    return false;
  }
}

function receiveConsole(
  context: QuickJSContext,
  capture: ConsoleCapture | undefined,
  level: QuickJSHandle | undefined,
  text: QuickJSHandle | undefined,
  cut: QuickJSHandle | undefined,
): void {
  try {
    if (capture === undefined || capture.truncated || level === undefined || text === undefined) return;
    if (context.typeof(level) !== 'number' || context.typeof(text) !== 'string') return;
    const levelName = GUEST_CONSOLE_LEVELS[context.getNumber(level)];
    if (levelName === undefined) return;
    const wasCut = cut !== undefined && context.sameValue(cut, context.true);
    capture.write(levelName, context.getString(text), wasCut);
  } catch {
    // The engine must never see a host exception from the console sink.
  }
}
