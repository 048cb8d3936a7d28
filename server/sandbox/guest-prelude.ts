/**
 * Code evaluated inside each fresh QuickJS context before the user's module. It is the
 * only code that touches user values on behalf of the host, and it hands the host
 * nothing but strings:
 *
 * - `run(moduleValue, inputsJson)` parses the inputs, calls the default export, awaits
 *   it and serialises the outputs, always resolving to one tagged string (see
 *   {@link GUEST_TAGS}). Every user error is caught and turned into text here.
 * - `describe(error)` turns an error thrown while evaluating the module into the same
 *   tagged text.
 * - `console` formats its arguments inside the sandbox and passes the host one string.
 *
 * It captures the intrinsics it needs before user code runs, so user code that replaces
 * `JSON.stringify` or patches prototypes can only spoil its own result. Whatever it
 * does, the host still receives only a string, which it parses and checks itself.
 *
 * Nothing is added for timers: there is no `setTimeout`, `setInterval` or
 * `queueMicrotask`, so no callback can outlive the call.
 */

/**
 * Drops indentation and comment lines: these sources are copied into WebAssembly memory
 * and parsed on every call, so their size is part of every call's cost. Safe because
 * neither contains a multi-line string or template.
 */
function compact(source: string): string {
  return source.replace(/^[ \t]+/gm, '').replace(/^\/\/.*\n/gm, '');
}

/** File name given to the user's module; stack frames in it carry the user's positions. */
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
 * Error description and value formatting, compiled on first use only (most calls never
 * log a non-string or fail, and compiling this on every call would double the cost of a
 * warm call). It is compiled through the `eval` captured before user code ran, in global
 * scope, and reaches intrinsics only through its parameters.
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
 * A function expression: `(hostWrite, reportingSource) => { begin, run, describe }`.
 * `hostWrite(level, text, cut)` is the host's console sink; `cut` tells it the sandbox
 * shortened or dropped text because the budget ran out. `reportingSource` is
 * {@link GUEST_REPORTING_SOURCE}, handed in as a string value rather than embedded as a
 * literal, because QuickJS parses string literals slowly (the literal alone cost about a
 * tenth of a call). `begin(consoleBudget, outputLimit)` sets the call's budgets; the host
 * calls it before the user's module runs, when it prepares the realm or when the call
 * starts (see applyBudgets in guest-realm.ts). The api object stays with the host, so
 * user code can reach none of the three.
 */
export const GUEST_PRELUDE_SOURCE = compact(String.raw`(function createGuestApi(hostWrite, reportingSource) {
  'use strict';
  const globalObject = globalThis;
  const uncurry = Function.prototype.call.bind.bind(Function.prototype.call);
  const stringSlice = uncurry(String.prototype.slice);
  const jsonStringify = JSON.stringify;
  const jsonParse = JSON.parse;
  const isArray = Array.isArray;
  const regExpExec = uncurry(RegExp.prototype.exec);
  const compile = eval;
  const StringOf = String;
  const ErrorType = Error;
  const InternalErrorType = InternalError;
  const SyntaxErrorType = SyntaxError;
  let reporting;
  function reports() {
    if (reporting === undefined) {
      const create = compile(reportingSource);
      reporting = create(stringSlice, regExpExec, jsonStringify, isArray, StringOf, ErrorType, InternalErrorType, SyntaxErrorType);
    }
    return reporting;
  }

  // ECMAScript only: drop what only serves shared memory or watching the collector.
  delete globalObject.SharedArrayBuffer;
  delete globalObject.Atomics;
  delete globalObject.WeakRef;
  delete globalObject.FinalizationRegistry;

  let consoleLeft = 0;
  let consoleCutSent = false;
  let outputLimit = 0;
  function write(level, args) {
    if (consoleLeft <= 0) {
      if (!consoleCutSent) {
        consoleCutSent = true;
        hostWrite(level, '', true);
      }
      return;
    }
    let text = '';
    for (let index = 0; index < args.length; index++) {
      const value = args[index];
      const part = typeof value === 'string' ? value : reports().formatValue(value);
      text = index === 0 ? part : text + ' ' + part;
      if (text.length > consoleLeft) break;
    }
    const cut = text.length > consoleLeft;
    if (cut) {
      text = stringSlice(text, 0, consoleLeft);
      consoleCutSent = true;
    }
    consoleLeft -= text.length + 1;
    hostWrite(level, text, cut);
  }

  const guestConsole = {
    log(...args) { write(0, args); },
    info(...args) { write(1, args); },
    warn(...args) { write(2, args); },
    error(...args) { write(3, args); },
    debug(...args) { write(4, args); },
  };
  Object.defineProperty(globalObject, 'console', { value: guestConsole, writable: true, configurable: true, enumerable: false });

  function begin(consoleBudget, outputBytes) {
    consoleLeft = consoleBudget;
    outputLimit = outputBytes;
  }

  function describe(error) {
    return reports().describe(error);
  }

  async function run(moduleValue, inputsJson) {
    try {
      const namespace = await moduleValue;
      const main = namespace.default;
      if (typeof main !== 'function') {
        return 'e::code must export a default function, e.g. export default function (inputs) { return { out: inputs.x } }';
      }
      const value = await main(jsonParse(inputsJson));
      if (value === null || typeof value !== 'object' || isArray(value)) {
        return 'e::code must return an object of outputs, got ' + reports().kindOf(value);
      }
      const json = jsonStringify(value);
      if (typeof json !== 'string' || json[0] !== '{') {
        return 'e::code must return an object of outputs (its toJSON returned something else)';
      }
      if (json.length > outputLimit) return 'l';
      return 'o' + json;
    } catch (error) {
      return describe(error);
    }
  }

  return Object.freeze({ __proto__: null, begin, run, describe });
})`);
