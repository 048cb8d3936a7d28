/**
 * Code evaluated once in each realm (see guest-realm.ts) before any user code. It is the
 * only code that touches user values on behalf of the host, and it hands the host
 * nothing but strings:
 *
 * - `run(factory, inputsJson, ...)` runs the user's module body, parses the inputs,
 *   calls the default export, awaits it and serialises the outputs, always resolving to
 *   one tagged string (see {@link GUEST_TAGS}). Every user error is caught and turned
 *   into text here.
 * - `describe(error)` turns an error thrown while evaluating the module into the same
 *   tagged text.
 * - `console` formats its arguments inside the sandbox and passes the host one string.
 *
 * It captures the intrinsics it needs before user code runs and then locks the realm
 * down (guest-lockdown.ts), so user code can neither replace `JSON.stringify` nor patch
 * a prototype. Whatever it does, the host still receives only a string, which it
 * parses and checks itself.
 *
 * Nothing is added for timers: there is no `setTimeout`, `setInterval` or
 * `queueMicrotask`, so no callback can outlive the call.
 */

/**
 * Drops indentation and comment lines: these sources are copied into WebAssembly memory
 * and parsed whenever a realm is made, so their size is part of that cost. Safe because
 * neither contains a multi-line string or template.
 */
function compact(source: string): string {
  return source.replace(/^[ \t]+/gm, '').replace(/^\/\/.*\n/gm, '');
}

/** File name given to the user's code (its factory); stack frames in it carry the user's positions. */
export const USER_MODULE_FILENAME = 'user-code.js';

/**
 * First character of the string `run` and `describe` return.
 * `o`: outputs JSON follows. `e`: `line:column:message` follows (either number may be
 * empty). `m`: out of memory. `s`: stack overflow. `l`: outputs larger than the limit.
 * `t`: a string grew past the engine's maximum length. `n`: `null` or `undefined` was
 * thrown (followed by which), which is also how QuickJS reports running out of memory
 * when it cannot even allocate its error object.
 */
export const GUEST_TAGS = {
  outputs: 'o',
  error: 'e',
  memory: 'm',
  stack: 's',
  outputTooLarge: 'l',
  stringTooLong: 't',
  nothing: 'n',
} as const;

/** The console levels, in the order of the numeric level the shim passes to the host. */
export const GUEST_CONSOLE_LEVELS = ['log', 'info', 'warn', 'error', 'debug'] as const;

/**
 * Error description and value formatting, compiled once per realm through the `eval`
 * captured before user code ran, in global scope; it reaches intrinsics only through
 * its parameters.
 */
export const GUEST_REPORTING_SOURCE = compact(String.raw`(function (stringSlice, regExpExec, jsonStringify, isArray, StringOf, ErrorType, InternalErrorType, SyntaxErrorType) {
  'use strict';
  const LOCATION = /user-code\.js:(\d+):(\d+)/;
  const MESSAGE_LIMIT = 2000;

  function errorText(error) {
    if (error !== null && (typeof error === 'object' || typeof error === 'function')) {
      const name = error.name;
      const message = error.message;
      if (typeof message === 'string') {
        return typeof name === 'string' && name !== '' ? name + ': ' + message : message;
      }
    }
    return 'code threw ' + formatValue(error);
  }

  function formatValue(value) {
    try {
      switch (typeof value) {
        case 'string': return value;
        case 'undefined': return 'undefined';
        case 'function': return '[Function]';
        case 'bigint': return StringOf(value) + 'n';
        case 'object': {
          if (value === null) return 'null';
          if (value instanceof ErrorType) return errorText(value);
          const json = jsonStringify(value);
          return typeof json === 'string' ? json : StringOf(value);
        }
        default: return StringOf(value);
      }
    } catch {
      return '[unprintable value]';
    }
  }

  function describe(error) {
    if (error === null || error === undefined) return 'n' + error;
    try {
      if (error instanceof InternalErrorType || error instanceof SyntaxErrorType) {
        const message = error.message;
        if (message === 'out of memory') return 'm';
        if (message === 'stack overflow') return 's';
        if (message === 'string too long') return 't';
      }
    } catch {}
    let message = 'code threw an error that could not be read';
    try {
      const text = errorText(error);
      if (typeof text === 'string') message = text;
    } catch {}
    let location = ':';
    try {
      const stack = error !== null && typeof error === 'object' ? error.stack : undefined;
      const found = typeof stack === 'string' ? regExpExec(LOCATION, stack) : null;
      if (found !== null) location = +found[1] + ':' + +found[2];
    } catch {}
    if (message.length > MESSAGE_LIMIT) message = stringSlice(message, 0, MESSAGE_LIMIT) + '…';
    return 'e' + location + ':' + message;
  }

  function kindOf(value) {
    if (value === null) return 'null';
    if (isArray(value)) return 'an array';
    return typeof value === 'undefined' ? 'undefined' : 'a ' + typeof value;
  }

  return { __proto__: null, formatValue, describe, kindOf };
})`);

/**
 * A function expression: `(hostWrite, reportingSource, lockdownSource) => api`, called
 * once per realm. `hostWrite(level, text, droppedBytes)` is the host's console sink:
 * `droppedBytes` is the UTF-8 size of the end of the line the sandbox cut off because its byte
 * budget ran out.
 * `reportingSource` is {@link GUEST_REPORTING_SOURCE} and `lockdownSource` is
 * GUEST_LOCKDOWN_SOURCE (guest-lockdown.ts), handed in as string values rather than
 * embedded as literals, because QuickJS parses string literals slowly. The prelude
 * compiles both, defines `console`, removes what could outlive a call, and ends by
 * running the lockdown, which freezes everything user code can reach.
 *
 * The api (which stays with the host, so user code can reach none of it):
 * - `run(factory, inputsJson, consoleBudget, consoleLines, outputLimit, seed)`: one call.
 *   Resets the console budgets and output limit, reseeds Math.random from `seed` (host crypto; on the call's first draw), runs `factory` (the user's module body compiled as
 *   a function, see transpile-source.ts) with a fresh exports object, so the module's
 *   top-level variables are new on every call, then calls the default export as
 *   described in the file comment. Returns the tagged string, or a promise of it when
 *   the module or the default export is asynchronous.
 * - `adopt(candidate, expectedText)`: true, and `candidate` frozen, only if it is a
 *   function whose source text is exactly `expectedText`, i.e. compiling the factory
 *   evaluated nothing but the one function expression that wraps the user's code.
 * - `describe(error)`.
 * - `frozen`: how many objects the lockdown froze.
 * - `consoleStats`: `{lines, bytes}` the current call's console left out whole (reset by `run`);
 *   plain data properties, so reading them runs no guest code.
 */
export const GUEST_PRELUDE_SOURCE = compact(String.raw`(function createGuestApi(hostWrite, reportingSource, lockdownSource) {
  'use strict';
  const globalObject = globalThis;
  const uncurry = Function.prototype.call.bind.bind(Function.prototype.call);
  const stringSlice = uncurry(String.prototype.slice);
  const functionToString = uncurry(Function.prototype.toString);
  const jsonStringify = JSON.stringify;
  const jsonParse = JSON.parse;
  const isArray = Array.isArray;
  const freeze = Object.freeze;
  const apply = Reflect.apply;
  const PromiseType = Promise;
  const regExpExec = uncurry(RegExp.prototype.exec);
  const compile = eval;
  const StringOf = String;
  const ErrorType = Error;
  const InternalErrorType = InternalError;
  const SyntaxErrorType = SyntaxError;
  const reporting = compile(reportingSource)(stringSlice, regExpExec, jsonStringify, isArray, StringOf, ErrorType, InternalErrorType, SyntaxErrorType);

  // ECMAScript only: drop what only serves shared memory or watching the collector,
  // whose callbacks could run after the call that registered them.
  delete globalObject.SharedArrayBuffer;
  delete globalObject.Atomics;
  delete globalObject.WeakRef;
  delete globalObject.FinalizationRegistry;

  // Math.random: a generator whose state is reseeded from the host's crypto on every call,
  // so one call can neither predict nor steer another's random numbers (the engine's own
  // generator lives for the whole realm and cannot be reseeded). sfc32, 53 bits per number.
  const imul = Math.imul;
  let r0 = 0, r1 = 0, r2 = 0, r3 = 0;
  function reseed(seed) {
    let lo = seed >>> 0;
    let hi = (seed / 4294967296) >>> 0;
    const next = () => {
      lo = (lo + 0x9e3779b9) | 0;
      let z = lo ^ hi;
      hi = (hi + 0x6d2b79f5) | 0;
      z = imul(z ^ (z >>> 16), 0x85ebca6b);
      z = imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) | 0;
    };
    r0 = next(); r1 = next(); r2 = next(); r3 = next();
  }
  function step32() {
    let t = (r0 + r1) | 0;
    r0 = r1 ^ (r1 >>> 9);
    r1 = (r2 + (r2 << 3)) | 0;
    r2 = (r2 << 21) | (r2 >>> 11);
    r3 = (r3 + 1) | 0;
    t = (t + r3) | 0;
    r2 = (r2 + t) | 0;
    return t >>> 0;
  }
  // Reseeded on the call's first Math.random, not at its start: seeding costs more than the rest
  // of a trivial call in this interpreter, and most steps never draw a number. The numbers a call
  // sees are the same function of its seed either way.
  let pendingSeed = 0;
  let seeded = true;
  const random = { random() {
    if (!seeded) { seeded = true; reseed(pendingSeed); }
    return ((step32() >>> 5) * 67108864 + (step32() >>> 6)) / 9007199254740992;
  } }.random;
  Object.defineProperty(Math, 'random', { value: random, writable: true, configurable: true, enumerable: false });

  // Console budgets, kept here too so that once they run out a console call no longer crosses to
  // the host (a crossing costs far more than the call): lines left out whole are only counted in
  // consoleStats, which the host reads after the call; the host keeps its own exact budgets
  // (console-capture.ts). consoleLeft counts UTF-16 units plus one per line.
  // UTF-8 size by native regular expressions rather than a loop over characters, which QuickJS
  // interprets slowly (a megabyte of text took seconds): every UTF-16 unit is one byte, plus one
  // for U+0080..U+07FF, two for the rest of the basic plane and for each surrogate, less one per
  // surrogate in a pair (a pair is four bytes; a lone one three, as the host encodes it).
  const nonAscii = /[^\x00-\x7f]/;
  const twoByte = /[\u0080-\u07ff]+/g;
  const threeByteOrSurrogate = /[\u0800-\uffff]+/g;
  const surrogatePair = /[\ud800-\udbff][\udc00-\udfff]/g;
  const stringReplace = uncurry(String.prototype.replace);
  const countOf = (text, pattern) => text.length - stringReplace(text, pattern, '').length;
  function utf8Length(text) {
    if (regExpExec(nonAscii, text) === null) return text.length;
    return text.length + countOf(text, twoByte) + 2 * countOf(text, threeByteOrSurrogate) - countOf(text, surrogatePair);
  }
  const consoleStats = { __proto__: null, lines: 0, bytes: 0 };
  let consoleLeft = 0;
  let linesLeft = 0;
  let outputLimit = 0;
  function write(level, args) {
    const keep = consoleLeft > 0 && linesLeft > 0;
    let text = '';
    let bytes = 0;
    for (let index = 0; index < args.length; index++) {
      const value = args[index];
      const part = typeof value === 'string' ? value : reporting.formatValue(value);
      if (keep && text.length <= consoleLeft) text = index === 0 ? part : text + ' ' + part;
      bytes += utf8Length(part) + (index === 0 ? 0 : 1);
    }
    if (!keep) {
      consoleStats.lines += 1;
      consoleStats.bytes += bytes;
      return;
    }
    const cut = text.length > consoleLeft;
    if (cut) text = stringSlice(text, 0, consoleLeft);
    consoleLeft -= text.length + 1;
    linesLeft -= 1;
    hostWrite(level, text, cut ? bytes - utf8Length(text) : 0);
  }

  const guestConsole = freeze({
    log(...args) { write(0, args); },
    info(...args) { write(1, args); },
    warn(...args) { write(2, args); },
    error(...args) { write(3, args); },
    debug(...args) { write(4, args); },
  });
  Object.defineProperty(globalObject, 'console', { value: guestConsole, writable: false, configurable: false, enumerable: false });

  function require(name) {
    const shown = stringSlice(StringOf(name), 0, 100);
    throw new ErrorType('code steps cannot import modules (import "' + shown + '" and require("' + shown + '") are not available)');
  }

  function adopt(candidate, expectedText) {
    if (typeof candidate !== 'function' || functionToString(candidate) !== expectedText) return false;
    freeze(candidate);
    return true;
  }

  function describe(error) {
    return reporting.describe(error);
  }

  // A call finishes synchronously, without one promise job, when the factory is a
  // plain function and the default export returns something that is not a thenable;
  // otherwise it continues asynchronously with the same checks, as await would.
  function run(factory, inputsJson, consoleBudget, consoleLines, outputBytes, seed) {
    pendingSeed = seed;
    seeded = false;
    consoleLeft = consoleBudget;
    linesLeft = consoleLines;
    consoleStats.lines = 0;
    consoleStats.bytes = 0;
    outputLimit = outputBytes;
    try {
      const moduleExports = {};
      const evaluation = factory(moduleExports, require);
      if (evaluation !== undefined) return afterModule(evaluation, moduleExports, inputsJson);
      return callMain(moduleExports, inputsJson);
    } catch (error) {
      return describe(error);
    }
  }

  async function afterModule(evaluation, moduleExports, inputsJson) {
    try {
      await evaluation;
    } catch (error) {
      return describe(error);
    }
    return callMain(moduleExports, inputsJson);
  }

  function callMain(moduleExports, inputsJson) {
    try {
      const main = moduleExports.default;
      if (typeof main !== 'function') {
        return 'e::code must export a default function, e.g. export default function (inputs) { return { out: inputs.x } }';
      }
      const value = main(jsonParse(inputsJson));
      if (value !== null && (typeof value === 'object' || typeof value === 'function')) {
        const then = value.then;
        if (typeof then === 'function') return settle(value, then);
      }
      return outputsText(value);
    } catch (error) {
      return describe(error);
    }
  }

  // Adopts a thenable the way await does, reading its then only once.
  async function settle(thenable, then) {
    try {
      const value = await new PromiseType((resolve, reject) => { apply(then, thenable, [resolve, reject]); });
      return outputsText(value);
    } catch (error) {
      return describe(error);
    }
  }

  function outputsText(value) {
    if (value === null || typeof value !== 'object' || isArray(value)) {
      return 'e::code must return an object of outputs, got ' + reporting.kindOf(value);
    }
    const json = jsonStringify(value);
    if (typeof json !== 'string' || json[0] !== '{') {
      return 'e::code must return an object of outputs (its toJSON returned something else)';
    }
    if (json.length > outputLimit) return 'l';
    return 'o' + json;
  }

  const frozen = compile(lockdownSource)([require]);
  return freeze({ __proto__: null, run, adopt, describe, frozen, consoleStats });
})`);
