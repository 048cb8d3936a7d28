/**
 * One call of the prelude's `run` through quickjs-emscripten's own FFI functions instead of its
 * handle API, for the in-process hot path (run-guest.ts).
 *
 * Why: the handle API wraps every value in a `Lifetime` object, copies the argument pointers
 * into a freshly allocated WebAssembly array per call (`toPointerArray`: a `map`, two typed
 * arrays, a `malloc` and a `free`), mallocs and frees the inputs' C string, and reads `typeof`
 * by decoding a C string. For a warm trivial step that was about 1.3 us of the 5 us
 * `runInRealm` took, and 2.3 KB of the 6.9 KB a step allocated (bench/README.md, round five). Here
 * the argument array and a small buffer for the inputs are allocated once per realm, values
 * are raw pointers freed as soon as the call returns, and the answer string is read directly.
 *
 * What it relies on: the context's `ffi`, `ctx`, `module` and `memory` members, which the
 * library's typings mark protected. {@link createRunCaller} checks each one and returns
 * undefined when any is missing, so a library version without them falls back to the handle
 * API; low-level-call.test.ts fails if the installed version lacks them, so an upgrade that
 * changes them is noticed rather than silently slower. Nothing here changes what crosses the
 * boundary: the same strings and numbers go in, the same string comes out.
 */
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten';
import type { SandboxLimits } from './sandbox-types.ts';

type Pointer = number;

/** The FFI functions used here (a subset of quickjs-emscripten's `EitherFFI`). */
interface Ffi {
  QTS_NewString(ctx: Pointer, string: Pointer): Pointer;
  QTS_NewFloat64(ctx: Pointer, value: number): Pointer;
  QTS_Typeof(ctx: Pointer, value: Pointer): Pointer;
  QTS_Call(ctx: Pointer, fn: Pointer, thisValue: Pointer, argc: number, argv: Pointer): Pointer;
  QTS_ResolveException(ctx: Pointer, maybeException: Pointer): Pointer;
  QTS_PromiseState(ctx: Pointer, value: Pointer): number;
  QTS_GetString(ctx: Pointer, value: Pointer): Pointer;
  QTS_FreeCString(ctx: Pointer, string: Pointer): void;
  QTS_FreeValuePointer(ctx: Pointer, value: Pointer): void;
}

/** The Emscripten module functions used here. */
interface Module {
  HEAPU8: Uint8Array;
  _malloc(bytes: number): Pointer;
  _free(pointer: Pointer): void;
  stringToUTF8(text: string, pointer: Pointer, maxBytes: number): void;
  UTF8ToString(pointer: Pointer): string;
}

interface Internals {
  ffi: Ffi;
  ctx: { value: Pointer };
  module: Module;
  memory: { heapValueHandle(pointer: Pointer): QuickJSHandle };
}

const FFI_FUNCTIONS = [
  'QTS_NewString',
  'QTS_NewFloat64',
  'QTS_Typeof',
  'QTS_Call',
  'QTS_ResolveException',
  'QTS_PromiseState',
  'QTS_GetString',
  'QTS_FreeCString',
  'QTS_FreeValuePointer',
] as const;
const MODULE_FUNCTIONS = ['_malloc', '_free', 'stringToUTF8', 'UTF8ToString'] as const;

/** Arguments of `run`: factory, inputs, console budget, console lines, output limit, seed. */
const RUN_ARGUMENTS = 6;
/** Inputs up to this many UTF-8 bytes use the realm's buffer; larger ones are allocated per call, as the library does. */
const INPUTS_BUFFER_BYTES = 4096;
/** `typeof` answers "string" as these bytes and a NUL. */
const STRING_TYPE = [0x73, 0x74, 0x72, 0x69, 0x6e, 0x67, 0];

/**
 * What a call of `run` gave: its answer when it returned a string (a step that finished without
 * a promise job, the common case), `undefined` when it returned something else or threw (the
 * engine's own failure: an interrupt, or memory), the promise when it returned one, and
 * {@link INPUTS_REFUSED} when the arguments could not even be made (memory).
 */
export type RunCall = { answer: string | undefined } | { promise: QuickJSHandle } | undefined | typeof INPUTS_REFUSED;
export const INPUTS_REFUSED = Symbol('inputs refused');

export interface RunCaller {
  /** Calls `run(factory, inputsJson, consoleBytes, consoleLines, outputBytes, seed)` in the realm's context. */
  call(run: QuickJSHandle, factory: QuickJSHandle, inputsJson: string, limits: SandboxLimits, seed: number): RunCall;
  /** Frees the realm's buffers; before the context is disposed. */
  dispose(): void;
}

/** A caller for `context`, or undefined when this quickjs-emscripten lacks an internal it needs. */
export function createRunCaller(context: QuickJSContext): RunCaller | undefined {
  const internals = internalsOf(context);
  if (internals === undefined) return undefined;
  const { ffi, module } = internals;
  const ctx = internals.ctx.value;
  const undefinedValue = context.undefined.value as unknown as Pointer;
  const argv = module._malloc(RUN_ARGUMENTS * 4);
  const inputsBuffer = module._malloc(INPUTS_BUFFER_BYTES);
  if (argv === 0 || inputsBuffer === 0) {
    if (argv !== 0) module._free(argv);
    if (inputsBuffer !== 0) module._free(inputsBuffer);
    return undefined;
  }
  const values = new Int32Array(RUN_ARGUMENTS);
  let words = new Int32Array(module.HEAPU8.buffer);

  const isString = (value: Pointer): boolean => {
    const type = ffi.QTS_Typeof(ctx, value);
    if (type === 0) return false;
    const bytes = module.HEAPU8;
    let same = true;
    for (let index = 0; index < STRING_TYPE.length && same; index += 1) same = bytes[type + index] === STRING_TYPE[index];
    module._free(type);
    return same;
  };

  const newInputs = (inputsJson: string): Pointer => {
    // A UTF-16 unit is at most 3 UTF-8 bytes, so the buffer's size is only checked against that bound.
    const maxBytes = inputsJson.length * 3 + 1;
    const buffer = maxBytes <= INPUTS_BUFFER_BYTES ? inputsBuffer : module._malloc(maxBytes);
    if (buffer === 0) return 0;
    module.stringToUTF8(inputsJson, buffer, maxBytes);
    const value = ffi.QTS_NewString(ctx, buffer);
    if (buffer !== inputsBuffer) module._free(buffer);
    return value;
  };

  return {
    call(run, factory, inputsJson, limits, seed) {
      const inputs = newInputs(inputsJson);
      if (inputs === 0) return INPUTS_REFUSED;
      if (!isString(inputs)) {
        ffi.QTS_FreeValuePointer(ctx, inputs);
        return INPUTS_REFUSED;
      }
      values[0] = factory.value as unknown as Pointer;
      values[1] = inputs;
      values[2] = ffi.QTS_NewFloat64(ctx, limits.consoleBytes);
      values[3] = ffi.QTS_NewFloat64(ctx, limits.consoleLines);
      values[4] = ffi.QTS_NewFloat64(ctx, limits.outputBytes);
      values[5] = ffi.QTS_NewFloat64(ctx, seed);
      if (values[2] === 0 || values[3] === 0 || values[4] === 0 || values[5] === 0) {
        for (let index = RUN_ARGUMENTS - 1; index >= 1; index -= 1) if (values[index] !== 0) ffi.QTS_FreeValuePointer(ctx, values[index]!);
        return INPUTS_REFUSED;
      }
      // Memory grows by replacing its buffer: the view is remade when that happened.
      if (words.buffer !== module.HEAPU8.buffer) words = new Int32Array(module.HEAPU8.buffer);
      words.set(values, argv >> 2);
      const result = ffi.QTS_Call(ctx, run.value as unknown as Pointer, undefinedValue, RUN_ARGUMENTS, argv);
      for (let index = RUN_ARGUMENTS - 1; index >= 1; index -= 1) ffi.QTS_FreeValuePointer(ctx, values[index]!);
      const error = ffi.QTS_ResolveException(ctx, result);
      if (error !== 0) {
        ffi.QTS_FreeValuePointer(ctx, result);
        ffi.QTS_FreeValuePointer(ctx, error);
        return undefined;
      }
      // Not a promise: `run` answered at once, as await would take a plain value.
      if (ffi.QTS_PromiseState(ctx, result) < 0) {
        let answer: string | undefined;
        if (isString(result)) {
          const text = ffi.QTS_GetString(ctx, result);
          answer = module.UTF8ToString(text);
          ffi.QTS_FreeCString(ctx, text);
        }
        ffi.QTS_FreeValuePointer(ctx, result);
        return { answer };
      }
      return { promise: internals.memory.heapValueHandle(result) };
    },
    dispose() {
      module._free(argv);
      module._free(inputsBuffer);
    },
  };
}

function internalsOf(context: QuickJSContext): Internals | undefined {
  const candidate = context as unknown as Partial<Record<keyof Internals, unknown>>;
  const { ffi, ctx, module, memory } = candidate;
  if (!isObject(ffi) || !FFI_FUNCTIONS.every((name) => typeof ffi[name] === 'function')) return undefined;
  if (!isObject(module) || !MODULE_FUNCTIONS.every((name) => typeof module[name] === 'function') || !(module['HEAPU8'] instanceof Uint8Array)) return undefined;
  if (!isObject(ctx) || typeof ctx['value'] !== 'number') return undefined;
  if (!isObject(memory) || typeof memory['heapValueHandle'] !== 'function') return undefined;
  return candidate as unknown as Internals;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}
