/**
 * The code-step sandbox: runs a user's JavaScript or TypeScript module in QuickJS
 * compiled to WebAssembly, inside a pool of worker threads.
 *
 * Once a worker has answered a source quickly, its calls are first tried on the server's
 * own thread (in-process-runner.ts) under an interrupt budget of 2 ms and a 16 MiB heap, in
 * the same kind of locked-down realm; one that hits any limit there, or breaks that engine,
 * runs again in a worker with its full limits (only that run's console lines are kept); a
 * source whose calls miss there three times in a row (moved, or finished past 10 ms) goes
 * straight to a worker for a while. Most warm calls therefore skip the thread hop.
 *
 * QuickJS polls its interrupt handler only from the interpreter, never inside a built-in, so
 * the realm on the server's thread (only) wraps every built-in measured to run long in C
 * (in-process-guards.ts: Array, typed array and String methods, regular-expression
 * replace/split/match, JSON, the iterators' `next` (so spread polls), the Set and typed
 * array constructors, the function constructors and eval): each wrapper estimates its work from sizes (a sparse array's
 * `length` included), and past a bound, or once the call's clock has run out, it spins into
 * QuickJS's uncatchable interrupt and the call is moved, whatever it answered. BigInt
 * arithmetic and printing cannot be wrapped, so sources with a BigInt literal or naming
 * `eval` never run there, and making a BigInt any other way moves the call. What is left
 * unguarded is string concatenation, `apply` (65,535 arguments at most) and `Object.keys`
 * and the like, bounded by the 16 MiB heap. A call the interrupt stopped keeps the realm (no
 * rebuild on the server's thread) when it left nothing pending and memory did not grow.
 *
 * The pool is shared fairly between owners (runs, see `SandboxRequest.owner` and
 * fair-queue.ts): a free worker goes to the owner with the fewest calls running. A call's
 * limits start when it reaches a worker (`onStart`), never while it waits (`onQueued`).
 *
 * Why this shape:
 * - A separate engine, not `eval`, `new Function`, `node:vm` or vm2: the code runs in
 *   QuickJS, whose objects live in WebAssembly memory. No host function, object, error
 *   or prototype exists inside it, so constructor chains end at QuickJS's own `Function`
 *   and global.
 * - A worker thread around the engine: a call that crashes the engine, exhausts the
 *   worker's heap or will not stop is ended by terminating that worker, which the pool
 *   replaces. The server's own thread only queues calls and parses results, so it keeps
 *   answering while code spins.
 * - One QuickJS realm per worker (and memory limit), reused across calls but locked
 *   down, and a fresh module instance per call (guest-realm.ts): before any user code
 *   runs, everything reachable from `globalThis` is deep-frozen and whatever could run
 *   or hold state between calls is removed (`WeakRef`, `FinalizationRegistry`,
 *   `SharedArrayBuffer`; there are no timers). Each source is compiled once into a
 *   factory that re-runs the module body on every call, so top-level variables are new
 *   each time. The console capture, budgets, clock and limits are set per call. A realm
 *   is thrown away and rebuilt after any call that hits a limit, is cancelled, fails in
 *   the engine, leaves promise jobs pending or grows the engine's memory, and after
 *   10,000 calls. Writing to a built-in (`Array.prototype.x = 1`, `JSON.stringify = f`)
 *   throws a TypeError; assigning common inherited names (`this.name` in an Error
 *   subclass, `obj.toString = f`) on the code's own objects still works.
 *
 * What crosses the boundary: only strings. Inputs go in as JSON text parsed inside the
 * sandbox. Outputs are serialised with JSON.stringify inside the sandbox (so getters,
 * proxies and toJSON run there, under the limits) and parsed on the host; outputs must be
 * a plain object, keys whose value is `undefined` are absent, and a `__proto__` key is
 * refused. Errors are turned into text inside the sandbox. The only host function the
 * code can reach, indirectly, is the console sink, which accepts a level number and a
 * string formatted inside the sandbox.
 *
 * What a source looks like is unchanged: an ES module (JavaScript or TypeScript) whose
 * default export is the step. The module body runs as a function body, so `import.meta`
 * is a syntax error, and `require` names the function that refuses every import.
 *
 * What the code gets: ECMAScript built-ins (including `Date` and `Math.random`) and a
 * `console` with log/info/warn/error/debug. Nothing else: no `process`, env,
 * file system, network (`fetch` is undefined), `SharedArrayBuffer`, `Atomics`, `WeakRef`
 * or `FinalizationRegistry`, and no timers at all (`setTimeout`, `setInterval` and
 * `queueMicrotask` are undefined), so no callback can outlive the call. Every `import`,
 * static or dynamic, fails with "code steps cannot import modules". A promise that can
 * never settle fails at once rather than waiting for the timeout; promise jobs still
 * pending when a call has its result never run (the realm is discarded).
 *
 * Limits (see {@link SandboxLimits}; defaults in {@link DEFAULT_SANDBOX_LIMITS}), each
 * failing the step with a message that names it:
 * - time: covers module evaluation, the call and every promise job, enforced by
 *   QuickJS's interrupt handler. In a worker, built-ins that run long stretches of C
 *   without polling it (a sparse array's `join`, JSON.stringify of very deep nesting) are
 *   not wrapped: a call that overruns its timeout by a margin (a second, or a quarter of the
 *   timeout) has its worker terminated instead.
 * - memory: QuickJS's own limit only refuses single oversized allocations in this build,
 *   so each worker's WebAssembly memory is capped at the limit plus the engine's fixed
 *   needs; running past it is QuickJS's out-of-memory error. Inputs larger than a quarter
 *   of the limit are refused before the call.
 * - stack: QuickJS's stack limit, well inside the worker thread's native stack; should
 *   the native stack overflow first, the engine is discarded and reloaded.
 * - output: the UTF-8 size of the outputs JSON.
 * - console: lines past the line cap, and text past the byte budget, are dropped, flagged
 *   with `logsTruncated` and counted in `logsDropped`; the step does not fail.
 *
 * A call is cancelled through its AbortSignal: it resolves at once as failed with the
 * message "cancelled", and its worker is interrupted, or terminated if it does not stop
 * within half a second. The signal may be passed as a function that makes it, called only
 * for a call that goes to a worker: an in-process call has finished before it could be
 * cancelled, and making signals cost more than the call (the code executor passes one). A worker that crashes or runs out of heap is replaced; its call
 * fails with a message saying so. Calls never reject.
 */
export { createSandbox } from './create-sandbox.ts';
export { DEFAULT_SANDBOX_LIMITS } from './sandbox-limits.ts';
export type {
  ConsoleLine,
  Sandbox,
  SandboxFailure,
  SandboxLimitName,
  SandboxLimits,
  SandboxRequest,
  SandboxResult,
} from './sandbox-types.ts';
