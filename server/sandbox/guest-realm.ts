import type { JSModuleLoader, JSModuleNormalizer, QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten';
import type { ConsoleCapture } from './console-capture.ts';
import { GUEST_LOCKDOWN_SOURCE } from './guest-lockdown.ts';
import { GUEST_CONSOLE_LEVELS, GUEST_PRELUDE_SOURCE, GUEST_REPORTING_SOURCE } from './guest-prelude.ts';
import { GUARD_UNITS_PER_OP, IN_PROCESS_GUARDS_SOURCE } from './in-process-guards.ts';
import { createRunCaller, type RunCaller } from './low-level-call.ts';
import type { GuestEngine } from './run-guest.ts';

/**
 * A QuickJS runtime and context with the guest prelude evaluated and the realm locked
 * down, reused by many calls (run-guest.ts drives it, worker-main.ts keeps one per
 * engine).
 *
 * Why reuse: creating a context (all the intrinsics), compiling the prelude and disposing
 * it all again cost about 0.9 ms per call (8 ms with the lockdown), against about 20 us
 * for the call itself.
 *
 * Why that is still isolated:
 * - Reused and shared by calls: the intrinsics, the prelude and the compiled factories
 *   of recent sources. The lockdown (guest-lockdown.ts) froze every object user code can
 *   reach from any of them, `globalThis` included, and removed `WeakRef`,
 *   `FinalizationRegistry` and `SharedArrayBuffer`; there are no timers. So a call has
 *   nowhere to put a value the next call could read.
 * - Fresh per call: the module instance (the factory re-runs the module body, so its
 *   top-level variables are new), the exports object, the inputs, the console capture
 *   and budget, the output limit, the clock the interrupt handler reads, and the memory
 *   and stack limits.
 * - Thrown away (see {@link retireReason} in run-guest.ts): after any call that hits a
 *   limit, is cancelled, fails inside the engine, leaves promise jobs pending, makes the
 *   engine's memory grow or refuse to grow, or whose source did not compile to exactly
 *   one function; and after {@link CALLS_PER_REALM} calls in any case. The worker then
 *   makes the next realm right after answering, ahead of the next call.
 */
export interface GuestRealm {
  readonly engine: GuestEngine;
  readonly runtime: QuickJSRuntime;
  readonly context: QuickJSContext;
  /** The prelude's api: `run(factory, inputsJson, consoleBudget, consoleLines, outputLimit, seed)`, `adopt(candidate, text)`, `describe(error)`. */
  readonly run: QuickJSHandle;
  readonly adopt: QuickJSHandle;
  readonly describe: QuickJSHandle;
  /** `{lines, bytes}` the running call's console left out whole (see GUEST_PRELUDE_SOURCE). */
  readonly consoleStats: QuickJSHandle;
  /** Handles that live as long as the realm, disposed in reverse order with it. */
  readonly handles: QuickJSHandle[];
  /**
   * Calls `run` through the library's FFI functions (low-level-call.ts); undefined when this
   * quickjs-emscripten lacks what it needs, and then calls go through the handle API.
   */
  caller: RunCaller | undefined;
  /** Compiled factories by factory text, least recently used first (see {@link rememberFactory}). */
  readonly factories: Map<string, QuickJSHandle>;
  /** The text of the most recently used factory, which {@link cachedFactory} leaves where it is. */
  newestFactory: string | undefined;
  factoryChars: number;
  /** Where the console sink writes; the running call sets `capture`. */
  readonly sink: { capture: ConsoleCapture | undefined };
  /** Read by the interrupt handler: the running call's clock, undefined between calls. */
  clock: { shouldStop(): boolean } | undefined;
  /**
   * Set by the in-process guards (in-process-guards.ts) when the running call asked for an
   * operation too large for the server's thread; the interrupt handler then stops the call at
   * its next poll, and whoever runs calls here must reset it before each call. Always false
   * in a realm made without guards.
   */
  escalated: boolean;
  /** Whether the realm was made with the in-process guards. */
  readonly guarded: boolean;
  /** Calls this realm has run. */
  calls: number;
  /** The memory and stack limits last given to the runtime. */
  memoryBytes: number | undefined;
  stackBytes: number | undefined;
  /** How many objects the lockdown froze. */
  readonly frozen: number;
}

/**
 * Calls a realm serves before it is replaced however clean it looks. A new realm costs
 * about 8 ms on this machine (context, prelude, and the lockdown, which has to
 * materialise every lazily created built-in function in order to freeze it), made
 * while the worker is otherwise idle: at 10,000 calls that is under 1 us per call,
 * against about 8 us at 1,000, a quarter of the 30 us target. Isolation does not rest
 * on this number (the lockdown and the per-call checks do); it bounds how long anything
 * the checks cannot see lives: heap fragmentation, the atom table, and any shared
 * state the lockdown might have missed.
 */
export const CALLS_PER_REALM = 10_000;
/** Factories kept per realm; their bytecode lives in the memory the calls share. */
const FACTORY_ENTRIES = 32;
const FACTORY_CHARS = 256 * 1024;

const refuseModule: JSModuleLoader = (name) => ({
  error: new Error(`code steps cannot import modules (tried to import "${name.slice(0, 100)}")`),
});
const keepModuleName: JSModuleNormalizer = (_base: string, requested: string) => requested;

export interface RealmOptions {
  /**
   * Install the in-process guards before the prelude and the lockdown (in-process-guards.ts):
   * only for the realm on the server's own thread.
   */
  guards?: boolean;
}

/**
 * Makes and locks down a realm in `engine`. Throws if the engine fails (it should then
 * be discarded); whatever was made before the failure is disposed.
 */
export function createRealm(engine: GuestEngine, options: RealmOptions = {}): GuestRealm {
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
    // The guards ask the host through `check` before the realm object exists: they reach it here.
    const guardState: { realm: GuestRealm | undefined } = { realm: undefined };
    if (options.guards === true) installGuards(realmContext, own, guardState);
    const hostWrite = own(
      context.newFunction('write', (level, text, droppedBytes) => receiveConsole(realmContext, sink.capture, level, text, droppedBytes)),
    );
    const factory = own(context.evalCode(GUEST_PRELUDE_SOURCE, 'sandbox-prelude.js', { strict: true }).unwrap());
    const reportingSource = own(context.newString(GUEST_REPORTING_SOURCE));
    const lockdownSource = own(context.newString(GUEST_LOCKDOWN_SOURCE));
    const api = own(context.callFunction(factory, context.undefined, hostWrite, reportingSource, lockdownSource).unwrap());
    const frozenHandle = context.getProp(api, 'frozen');
    const frozen = context.typeof(frozenHandle) === 'number' ? context.getNumber(frozenHandle) : 0;
    frozenHandle.dispose();
    if (frozen < 100) throw new Error(`the sandbox lockdown froze only ${frozen} objects`);
    const realm: GuestRealm = {
      engine,
      runtime,
      context,
      run: own(context.getProp(api, 'run')),
      adopt: own(context.getProp(api, 'adopt')),
      describe: own(context.getProp(api, 'describe')),
      consoleStats: own(context.getProp(api, 'consoleStats')),
      handles,
      caller: undefined,
      factories: new Map(),
      newestFactory: undefined,
      factoryChars: 0,
      sink,
      clock: undefined,
      calls: 0,
      memoryBytes: undefined,
      stackBytes: undefined,
      frozen,
      escalated: false,
      guarded: options.guards === true,
    };
    guardState.realm = realm;
    runtime.setInterruptHandler(() => realm.escalated || (realm.clock?.shouldStop() ?? false));
    realm.caller = createRunCaller(context);
    return realm;
  } catch (error) {
    disposeHandles(handles, context, runtime, undefined);
    throw error;
  }
}

/**
 * Evaluates IN_PROCESS_GUARDS_SOURCE and runs it with the host's `check(units)`: units over
 * GUARD_UNITS_PER_OP mark the running call escalated; the answer is whether the call must
 * stop now (escalated, or past its clock). Outside a call nothing is escalated.
 */
function installGuards(context: QuickJSContext, own: <T extends QuickJSHandle>(handle: T) => T, state: { realm: GuestRealm | undefined }): void {
  const check = own(
    context.newFunction('check', (unitsHandle) => {
      const realm = state.realm;
      if (realm === undefined || realm.clock === undefined) return context.false;
      const units = unitsHandle !== undefined && context.typeof(unitsHandle) === 'number' ? context.getNumber(unitsHandle) : 0;
      if (!(units <= GUARD_UNITS_PER_OP)) realm.escalated = true;
      return realm.escalated || realm.clock.shouldStop() ? context.true : context.false;
    }),
  );
  const install = own(context.evalCode(IN_PROCESS_GUARDS_SOURCE, 'in-process-guards.js', { strict: true }).unwrap());
  const wrapped = context.callFunction(install, context.undefined, check).unwrap();
  const count = context.typeof(wrapped) === 'number' ? context.getNumber(wrapped) : 0;
  wrapped.dispose();
  if (count < 50) throw new Error(`the in-process guards wrapped only ${count} built-ins`);
}

/**
 * Keeps `factory` for `text` unless the text is too large to keep, dropping the least
 * recently used factories past the count or size budget. False if it was not kept (the
 * caller then disposes it after the call).
 */
export function rememberFactory(realm: GuestRealm, text: string, factory: QuickJSHandle): boolean {
  if (text.length > FACTORY_CHARS / 4) return false;
  realm.factories.set(text, factory);
  realm.newestFactory = text;
  realm.factoryChars += text.length;
  for (const [oldText, oldFactory] of realm.factories) {
    if (realm.factories.size <= FACTORY_ENTRIES && realm.factoryChars <= FACTORY_CHARS) break;
    realm.factories.delete(oldText);
    realm.factoryChars -= oldText.length;
    oldFactory.dispose();
  }
  return true;
}

/**
 * The cached factory for `text`, marked most recently used, if there is one. A factory that is
 * already the most recent stays where it is: a step called again and again costs one `get`, not
 * a `delete` and a `set` (which also reallocate a small map's table).
 */
export function cachedFactory(realm: GuestRealm, text: string): QuickJSHandle | undefined {
  const factory = realm.factories.get(text);
  if (factory !== undefined && realm.newestFactory !== text) {
    realm.factories.delete(text);
    realm.factories.set(text, factory);
    realm.newestFactory = text;
  }
  return factory;
}

/** Disposes the realm's factories, handles, context and runtime; false if the engine refused (then discard it). */
export function disposeRealm(realm: GuestRealm): boolean {
  try {
    for (const factory of realm.factories.values()) factory.dispose();
    realm.factories.clear();
  } catch {
    return false;
  }
  const caller = realm.caller;
  realm.caller = undefined;
  return disposeHandles(realm.handles, realm.context, realm.runtime, caller);
}

function disposeHandles(handles: QuickJSHandle[], context: QuickJSContext | undefined, runtime: QuickJSRuntime, caller: RunCaller | undefined): boolean {
  try {
    caller?.dispose();
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
  droppedBytes: QuickJSHandle | undefined,
): void {
  try {
    if (capture === undefined || level === undefined || text === undefined || droppedBytes === undefined) return;
    if (context.typeof(level) !== 'number' || context.typeof(text) !== 'string' || context.typeof(droppedBytes) !== 'number') return;
    const levelName = GUEST_CONSOLE_LEVELS[context.getNumber(level)];
    if (levelName === undefined) return;
    capture.write(levelName, context.getString(text), countOrZero(context.getNumber(droppedBytes)));
  } catch {
    // The engine must never see a host exception from the console sink.
  }
}

/** Only the prelude reports sizes, but they are still checked before they are added up. */
export function countOrZero(value: number): number {
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}

/** Adds what the call's console left out whole, as the prelude counted it, to `capture`. */
export function collectConsoleStats(realm: GuestRealm, capture: ConsoleCapture): void {
  const { context, consoleStats } = realm;
  const read = (name: string): number => {
    const handle = context.getProp(consoleStats, name);
    const value = context.typeof(handle) === 'number' ? context.getNumber(handle) : 0;
    handle.dispose();
    return countOrZero(value);
  };
  try {
    capture.addDropped(read('lines'), read('bytes'));
  } catch {
    // An engine out of memory may refuse even this; the step then reports only what the host saw.
  }
}
