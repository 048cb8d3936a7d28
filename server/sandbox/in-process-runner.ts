import { CALLS_PER_REALM, createRealm, disposeRealm, type GuestRealm } from './guest-realm.ts';
import { loadEngine, type Engine } from './load-engine.ts';
import { runInRealm, type GuestRun } from './run-guest.ts';
import { resultFromReply } from './sandbox-results.ts';
import type { SandboxLimits, SandboxResult } from './sandbox-types.ts';
import { MAX_CACHED_SOURCE_CHARS, transpileSource } from './transpile-source.ts';
import type { RunMessage } from './worker-protocol.ts';

/** How long a call may run on the server's own thread before it is moved to a worker. */
export const DEFAULT_IN_PROCESS_BUDGET_MS = 2;
/** The in-process engine's QuickJS heap cap; a call that needs more is moved to a worker. */
export const IN_PROCESS_MEMORY_BYTES = 16 * 1024 * 1024;
/** Inputs larger than this JSON go straight to a worker: parsing them alone could outlast the budget. */
const MAX_IN_PROCESS_INPUT_CHARS = 64 * 1024;
/** Sources that keep missing in-process, remembered so their next calls go straight to a worker. */
const WORKER_ONLY_SOURCES = 256;
/**
 * Calls in a row that must miss here (moved to a worker, or finished past {@link TRUST_BELOW_MS})
 * before a source goes to the workers. Not one: the budget is wall-clock time, and on a busy
 * machine a short call is often descheduled, or caught by a garbage collection, for longer than
 * the budget; after one such miss the source would have left the fast path for seconds (under
 * load most warm calls did). A source that spins every time costs the thread three budgets once,
 * then one per period, since a source that has been sent away before goes again at its first miss.
 */
const MISSES_BEFORE_WORKER_ONLY = 3;
/**
 * How long such a source stays with the workers: 5 s after its first move, doubling with each
 * move in a row up to 5 minutes. Not for ever, since a short call can miss the budget
 * when the machine is busy; a source that spins every time
 * still costs the server's thread only one budget per period.
 */
const WORKER_ONLY_FIRST_MS = 5_000;
const WORKER_ONLY_MAX_MS = 5 * 60_000;
/**
 * Sources never tried here: a BigInt literal (operations on big BigInts run long in C and
 * cannot be wrapped, see in-process-guards.ts, which moves every other way of making one), or
 * the name `eval` (the guards replace eval, so a direct eval would lose its scope here).
 * Textual, so a match inside a string or comment only sends the source to a worker.
 */
const NOT_IN_PROCESS = /\beval\b|(?:^|[^\w$.])(?:\d[\d_]*|0[xXoObB][\da-fA-F_]+)n(?![\w$])/;
/** Sources a worker answered quickly, and so may be tried here. */
const TRUSTED_SOURCES = 1024;
/**
 * "Quickly" for {@link InProcessRunner.trust}: the worker's time includes the hop and, on a
 * source's first call, compiling it, so this is looser than the budget itself.
 */
const TRUST_BELOW_MS = 10;

/** Where a call ran: finished in-process, moved to a worker after trying, or sent there without trying. */
export type Placement = 'in-process' | 'moved' | 'worker';

/**
 * Runs short code-step calls on the server's own thread, so they skip the thread hop that
 * costs most of a warm call (see bench/code-step.ts).
 *
 * Why this is as isolated as a worker: the boundary is QuickJS, not the thread. The same
 * locked-down realm (guest-realm.ts) and the same {@link runInRealm} serve the call; only
 * strings cross. What the thread adds in a worker is a way to kill code that will not stop,
 * and a heap of its own. Here instead every call runs under an interrupt budget (a couple
 * of milliseconds, polled by QuickJS's interrupt handler) and a smaller memory cap, and a
 * call that hits any limit, or breaks the engine, is answered by running it again in a
 * worker with its full limits. QuickJS polls the interrupt only from its interpreter, so
 * this realm is made with the in-process guards (in-process-guards.ts): every built-in that
 * can run long in C checks the size of its work first and, past a bound or the clock, stops
 * the call with the interrupt; such a call is "escalated" and moved, whatever it answered. Running again is safe: code steps have no effects but their
 * console lines, and only the run that counts keeps them; `Math.random` is reseeded for
 * every run.
 *
 * What does not run here: a source until a worker has answered one of its calls quickly
 * ({@link InProcessRunner.trust}), sources too large for the transpile cache and inputs over 64 KiB of
 * JSON (compiling or parsing them is not interruptible), sources that missed here three
 * calls in a row recently (see {@link MISSES_BEFORE_WORKER_ONLY}), sources matching {@link NOT_IN_PROCESS}, and any call
 * while the engine or its realm is being (re)built. Realms are rebuilt from `setImmediate`,
 * never inside a call, and not at all after a call the interrupt stopped cleanly (see
 * `#keepsAfterInterrupt`).
 */
export class InProcessRunner {
  #engine: Engine | undefined;
  #realm: GuestRealm | undefined;
  #loading = false;
  #rebuildQueued = false;
  #closed = false;
  /**
   * Both keyed by language, then by the source itself rather than by a key string built per call:
   * a step's source is the same string on every call, so its hash is computed once, where a new
   * key string would be read in full on every call.
   */
  readonly #workerOnly = bySourceFor<Misses>();
  readonly #trusted = bySourceFor<true>();

  constructor(private readonly budgetMs: number) {
    this.#load();
  }

  /** The call's result, or undefined when it must run in a worker. */
  tryRun(message: Omit<RunMessage, 'jobId'>): { result: SandboxResult } | { placement: 'moved' | 'worker' } {
    const realm = this.#realm;
    const { source, language, inputsJson } = message;
    const trusted = this.#trusted[language];
    const workerOnly = this.#workerOnly[language];
    if (
      realm === undefined ||
      this.#closed ||
      source.length > MAX_CACHED_SOURCE_CHARS ||
      inputsJson.length > MAX_IN_PROCESS_INPUT_CHARS ||
      !trusted.has(source) ||
      this.#sendsToWorker(workerOnly, source)
    ) {
      return { placement: 'worker' };
    }
    // Written out rather than spread: two object spreads cost about 2 us a call (bench/README.md, round four).
    const given = message.limits;
    const limits: SandboxLimits = {
      timeoutMs: Math.min(given.timeoutMs, this.budgetMs),
      memoryBytes: Math.min(given.memoryBytes, IN_PROCESS_MEMORY_BYTES),
      stackBytes: given.stackBytes,
      outputBytes: given.outputBytes,
      consoleBytes: given.consoleBytes,
      consoleLines: given.consoleLines,
    };
    const memoryBefore = realm.engine.memorySize();
    realm.escalated = false;
    const started = performance.now();
    const run = runInRealm(realm, { source, language, inputsJson, limits, isCancelled: NEVER_CANCELLED });
    const durationMs = performance.now() - started;
    // An operation too large for this thread (in-process-guards.ts): the interrupt stopped the
    // call whatever the code did with it, and its answer, whatever it is, does not count.
    const escalated = realm.escalated;
    realm.escalated = false;
    const timedOut = !run.outcome.ok && run.outcome.error.limit === 'timeout';
    if (run.retire !== undefined && !this.#keepsAfterInterrupt(realm, run, escalated || timedOut, message, memoryBefore)) this.#retire(run);
    if (escalated || run.poisoned || run.retire === 'limit' || run.retire === 'engine') {
      this.#rememberWorkerOnly(workerOnly, source);
      return { placement: 'moved' };
    }
    // The guards bound each built-in's unpolled work, so a call that finishes past its budget
    // here was descheduled, or ran many small operations between two polls; the bar is
    // TRUST_BELOW_MS, not the budget: on a busy machine a short call is often descheduled for a
    // few milliseconds, which says nothing about the source. Its answer stands.
    if (durationMs > TRUST_BELOW_MS) this.#rememberWorkerOnly(workerOnly, source);
    else if (workerOnly.size > 0) workerOnly.delete(source);
    return { result: resultFromReply(run, durationMs) };
  }

  /**
   * Whether the realm may serve another call after one the interrupt stopped (its clock ran
   * out, or the guards escalated it), instead of being rebuilt on this thread (8 to 12 ms
   * quiet, 35 to 290 ms under load). run-guest.ts retires a realm after any limit because a
   * limit can leave something behind; after an interrupt that is only what the other retire
   * reasons check, so they are checked here one by one:
   * - pending promise jobs (they would run in the next call): none;
   * - the engine's memory refused to grow, or grew: neither;
   * - the source compiled to exactly one function, i.e. its factory is cached in this realm
   *   (a source that closes its module body early could have declared a global binding);
   * - fewer than CALLS_PER_REALM calls.
   * What the interrupt itself leaves is the state of an exception thrown at a poll point,
   * the same as a `throw` in user code, after which realms are kept anyway: the lockdown froze
   * everything shared, so the stopped call's objects are its own, and the prelude resets its
   * per-call state (console budgets, output limit, random seed) at the start of every call.
   * Out of memory, stack overflow and engine failures still retire the realm.
   */
  #keepsAfterInterrupt(realm: GuestRealm, run: GuestRun, interrupted: boolean, message: Omit<RunMessage, 'jobId'>, memoryBefore: number): boolean {
    if (!interrupted || run.poisoned || (run.retire !== 'limit' && run.retire !== 'engine')) return false;
    try {
      if (realm.runtime.hasPendingJob()) return false;
    } catch {
      return false;
    }
    if (realm.engine.memoryRefused() || realm.engine.memorySize() > memoryBefore || realm.calls >= CALLS_PER_REALM) return false;
    const transpiled = transpileSource(message.source, message.language);
    return transpiled.ok && realm.factories.has(transpiled.code);
  }

  /**
   * A worker answered this source quickly: from now on its calls are tried here.
   * Why not before: a source never seen could hold one of the uninterruptible built-in loops
   * above, and its first call would then block the server's thread.
   */
  trust(message: Omit<RunMessage, 'jobId'>, durationMs: number): void {
    if (durationMs > TRUST_BELOW_MS || message.source.length > MAX_CACHED_SOURCE_CHARS || NOT_IN_PROCESS.test(message.source)) return;
    const trusted = this.#trusted[message.language];
    trusted.delete(message.source);
    trusted.set(message.source, true);
    for (const oldest of trusted.keys()) {
      if (trusted.size <= TRUSTED_SOURCES) break;
      trusted.delete(oldest);
    }
  }

  close(): void {
    this.#closed = true;
    const realm = this.#realm;
    this.#realm = undefined;
    if (realm !== undefined) disposeRealm(realm);
    this.#engine = undefined;
  }

  #retire(run: GuestRun): void {
    const realm = this.#realm;
    this.#realm = undefined;
    if (realm === undefined) return;
    if (run.poisoned || !disposeRealm(realm)) {
      this.#engine = undefined;
      this.#load();
      return;
    }
    if (this.#rebuildQueued) return;
    this.#rebuildQueued = true;
    setImmediate(() => {
      this.#rebuildQueued = false;
      this.#makeRealm();
    });
  }

  #makeRealm(): void {
    const engine = this.#engine;
    if (engine === undefined || this.#closed || this.#realm !== undefined) return;
    try {
      this.#realm = createRealm(engine, { guards: true });
    } catch {
      this.#engine = undefined;
      this.#load();
    }
  }

  #load(): void {
    if (this.#loading || this.#closed) return;
    this.#loading = true;
    loadEngine(IN_PROCESS_MEMORY_BYTES).then(
      (engine) => {
        this.#loading = false;
        if (this.#closed) return;
        this.#engine = engine;
        setImmediate(() => this.#makeRealm());
      },
      () => {
        // No in-process engine: every call goes to a worker, as before.
        this.#loading = false;
      },
    );
  }

  #sendsToWorker(workerOnly: Map<string, { until: number }>, source: string): boolean {
    if (workerOnly.size === 0) return false;
    const entry = workerOnly.get(source);
    return entry !== undefined && performance.now() < entry.until;
  }

  /** A call of `source` missed here: after {@link MISSES_BEFORE_WORKER_ONLY} in a row, its calls go to the workers for a while. */
  #rememberWorkerOnly(workerOnly: Map<string, Misses>, source: string): void {
    const entry = workerOnly.get(source) ?? { misses: 0, moves: 0, until: 0 };
    entry.misses += 1;
    if (entry.moves > 0 || entry.misses >= MISSES_BEFORE_WORKER_ONLY) {
      entry.moves += 1;
      entry.misses = 0;
      entry.until = performance.now() + Math.min(WORKER_ONLY_MAX_MS, WORKER_ONLY_FIRST_MS * 2 ** Math.min(entry.moves - 1, 16));
    }
    workerOnly.delete(source);
    workerOnly.set(source, entry);
    for (const oldest of workerOnly.keys()) {
      if (workerOnly.size <= WORKER_ONLY_SOURCES) break;
      workerOnly.delete(oldest);
    }
  }
}

/** A source's misses in a row here, how often it was sent to the workers, and until when. */
interface Misses {
  misses: number;
  moves: number;
  until: number;
}

const NEVER_CANCELLED = (): boolean => false;

function bySourceFor<T>(): Record<'javascript' | 'typescript', Map<string, T>> {
  return { javascript: new Map(), typescript: new Map() };
}
