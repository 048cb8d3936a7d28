/**
 * Guards for the in-process realm only (in-process-runner.ts): code evaluated before the
 * prelude and the lockdown, which replaces every built-in that can run a long stretch of C
 * without polling QuickJS's interrupt handler with a wrapper that first estimates the work
 * and, past a bound, moves the call to a worker. Worker realms never get these: there a
 * long built-in only delays the worker, which the host can terminate.
 *
 * Why: QuickJS polls its interrupt handler from the interpreter (backward jumps, calls of
 * bytecode functions), never inside a C built-in. On the server's thread a trusted source
 * given a big input, or a sparse array with a huge `length` (which costs no memory), held
 * the thread for seconds: `Array(1e8).indexOf(1)` took 8 to 14 s, `'a'.repeat(2e6).indexOf(n)`
 * with a 1,000-character needle 9.6 s (bench/README.md, "In-process guards", has the table).
 *
 * How a wrapper bounds the work, without a host call on the common path:
 * - It estimates the work in "units" (about one element or character visited; see
 *   {@link GUARD_UNITS_PER_OP} for the calibration) from the receiver's and the
 *   arguments' sizes only: `ToLength(this.length)`, string lengths, a repeat count.
 * - It adds them to a counter kept in the realm; only when one operation is over
 *   {@link GUARD_UNITS_PER_OP}, or the counter passes {@link GUARD_UNITS_PER_CHECK}, does it
 *   call the host's `check(units)`. The host marks the call escalated when one operation
 *   is too large, and answers whether the call must stop (escalated, or past its clock).
 * - When it must stop, the wrapper spins in an empty loop: the interpreter polls the
 *   interrupt handler within a few thousand iterations, the handler returns true
 *   (guest-realm.ts), and QuickJS throws its uncatchable interrupt error, which no
 *   `catch` or `finally` in user code sees. The runner treats an escalated call as moved
 *   whatever it answered, and runs it again in a worker with its full limits.
 * So between two polls of the clock at most one operation's bound plus one check period of
 * unpolled work can run.
 *
 * What the wrappers keep: the name, `length` and attributes of the method they replace
 * (the lockdown then freezes them like every other intrinsic), the exact arguments (so
 * `splice(0)` and `splice(0, undefined)` still differ) and the original's errors; and
 * `Function.prototype.toString` reports the original's native text for a wrapper. What
 * differs from a worker, for code that looks: a wrapper adds a frame to an error's
 * `stack`, and it reads a receiver's `length` (or converts a non-string receiver of a
 * String method to a string) once more than the original does, which a getter or
 * `toString` with side effects can observe.
 *
 * `Set` and the typed array constructors, which iterate their argument in C (a set of
 * `Array(1e8)` stores one `undefined` without growing), are replaced by proxies whose
 * `construct` trap does the same; `prototype.constructor` points at the proxy. So are
 * `BigInt` and the function constructors (see the BigInt section below). The iterators'
 * `next` becomes a bytecode function, so spread polls once per element.
 *
 * Not guarded (bounded only by the in-process heap, see bench/README.md): string
 * concatenation, `apply` with up to 65,535 arguments, `Object.keys`/`entries`/`assign`.
 */

/** Same compaction as the prelude: no multi-line strings or templates here. */
function compact(source: string): string {
  return source.replace(/^[ \t]+/gm, '').replace(/^\/\/.*\n/gm, '');
}

/**
 * The most units one operation may take in-process. Calibrated from the slowest
 * per-unit costs measured (bench/README.md): a sparse array visit or a naive substring
 * comparison of 16 characters costs 50 to 140 ns at load average 4 to 9, so this is
 * about 1.5 to 4.5 ms on a loaded machine, under 1 ms on a quiet one.
 */
export const GUARD_UNITS_PER_OP = 32_768;
/** Units of smaller operations between two checks of the call's clock by the host. */
export const GUARD_UNITS_PER_CHECK = 8_192;

/** `(check) => wrappedCount`: `check(units)` is the host function described above. */
export const IN_PROCESS_GUARDS_SOURCE = compact(String.raw`(function installGuards(check) {
  'use strict';
  const apply = Reflect.apply;
  const construct = Reflect.construct;
  const { defineProperty, getOwnPropertyDescriptor, getPrototypeOf } = Object;
  const isArray = Array.isArray;
  const NumberOf = Number;
  const StringOf = String;
  const ProxyType = Proxy;
  const MapType = Map;
  const mapGet = Map.prototype.get;
  const mapSet = Map.prototype.set;
  const log2 = Math.log2;
  const spreadable = Symbol.isConcatSpreadable;
  const PER_OP = ${GUARD_UNITS_PER_OP};
  const PER_CHECK = ${GUARD_UNITS_PER_CHECK};
  const MAX_LENGTH = 9007199254740991;

  let work = 0;
  function account(units) {
    work += units;
    if (units > PER_OP || work > PER_CHECK) {
      work = 0;
      if (check(units > PER_OP ? units : 0)) for (;;) {}
    }
  }

  // ToLength of value.length for objects, the length of a string, 0 for anything else.
  function lengthOf(value) {
    if (typeof value === 'string') return value.length;
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return 0;
    try {
      const length = NumberOf(value.length);
      return length > 0 ? (length < MAX_LENGTH ? length : MAX_LENGTH) : 0;
    } catch {
      return 0;
    }
  }
  function stringOf(value) {
    if (typeof value === 'string') return value;
    if (value === null || value === undefined || typeof value === 'symbol') return '';
    try {
      return StringOf(value);
    } catch {
      return '';
    }
  }
  function numberOf(value) {
    try {
      const number = NumberOf(value);
      return number > 0 ? number : 0;
    } catch {
      return 0;
    }
  }
  function sortUnits(length) {
    return length < 2 ? length : length * log2(length) / 4;
  }
  function searchUnits(text, search) {
    return text.length + text.length * stringOf(search).length / 16;
  }

  const originals = new MapType();
  let wrapped = 0;
  function wrap(target, key, units) {
    const descriptor = getOwnPropertyDescriptor(target, key);
    if (descriptor === undefined || typeof descriptor.value !== 'function') return;
    const original = descriptor.value;
    const wrapper = { [key](...args) {
      account(units(this, args));
      return apply(original, this, args);
    } }[key];
    defineProperty(wrapper, 'length', { value: original.length });
    defineProperty(target, key, { value: wrapper });
    apply(mapSet, originals, [wrapper, original]);
    wrapped += 1;
  }
  function guardConstructor(holder, key, units) {
    const original = holder[key];
    if (typeof original !== 'function') return;
    const proxy = new ProxyType(original, {
      construct(target, args, newTarget) {
        account(units(args));
        return construct(target, args, newTarget);
      },
    });
    defineProperty(original.prototype, 'constructor', { value: proxy });
    defineProperty(holder, key, { value: proxy });
    apply(mapSet, originals, [proxy, original]);
    wrapped += 1;
  }

  // Array.prototype: every method that visits the receiver's elements in C. Those that take a
  // callback poll only through it, and holes are skipped without a call.
  const receiverLength = (self) => lengthOf(self);
  const ArrayProto = Array.prototype;
  for (const key of ['copyWithin', 'every', 'fill', 'filter', 'find', 'findIndex', 'findLast', 'findLastIndex', 'forEach',
    'includes', 'indexOf', 'join', 'lastIndexOf', 'map', 'reduce', 'reduceRight', 'reverse', 'shift', 'slice', 'some',
    'splice', 'toLocaleString', 'toReversed', 'toSpliced', 'with']) {
    wrap(ArrayProto, key, receiverLength);
  }
  const arrayToString = ArrayProto.toString;
  wrap(ArrayProto, 'toString', receiverLength);
  wrap(ArrayProto, 'unshift', (self, args) => lengthOf(self) + args.length);
  wrap(ArrayProto, 'sort', (self) => sortUnits(lengthOf(self)));
  wrap(ArrayProto, 'toSorted', (self) => sortUnits(lengthOf(self)));
  wrap(ArrayProto, 'concat', (self, args) => {
    let units = lengthOf(self);
    for (const item of args) if (item !== null && typeof item === 'object' && (isArray(item) || item[spreadable])) units += lengthOf(item);
    return units;
  });
  // flat: the nested arrays' lengths, down to the depth asked (counted here, in polled code).
  const flatUnits = (value, depth) => {
    let units = lengthOf(value);
    if (depth >= 1 && isArray(value)) {
      const length = units < PER_OP ? units : 0;
      for (let index = 0; index < length && units <= PER_OP; index += 1) {
        const item = value[index];
        if (isArray(item)) units += flatUnits(item, depth - 1);
      }
    }
    return units;
  };
  wrap(ArrayProto, 'flat', (self, args) => {
    const depth = args.length === 0 || args[0] === undefined ? 1 : numberOf(args[0]);
    return flatUnits(self, depth);
  });
  // flatMap: the callback's arrays are only known as it returns them, so the callback is wrapped too.
  const flatMapOriginal = ArrayProto.flatMap;
  const flatMap = { flatMap(callback, ...rest) {
    account(lengthOf(this));
    if (typeof callback !== 'function') return apply(flatMapOriginal, this, [callback, ...rest]);
    const counted = function (value, index, array) {
      const result = apply(callback, this, [value, index, array]);
      if (isArray(result)) account(lengthOf(result));
      return result;
    };
    return apply(flatMapOriginal, this, [counted, ...rest]);
  } }.flatMap;
  defineProperty(flatMap, 'length', { value: flatMapOriginal.length });
  defineProperty(ArrayProto, 'flatMap', { value: flatMap });
  apply(mapSet, originals, [flatMap, flatMapOriginal]);
  wrapped += 1;
  wrap(Array, 'from', (self, args) => lengthOf(args[0]));

  // Typed arrays: the same methods on %TypedArray%.prototype, and toString, which is Array.prototype.toString.
  const TypedArray = getPrototypeOf(Uint8Array);
  const TypedProto = TypedArray.prototype;
  for (const key of ['copyWithin', 'every', 'fill', 'filter', 'find', 'findIndex', 'findLast', 'findLastIndex', 'forEach',
    'includes', 'indexOf', 'join', 'lastIndexOf', 'map', 'reduce', 'reduceRight', 'reverse', 'slice', 'some',
    'toLocaleString', 'toReversed', 'with']) {
    wrap(TypedProto, key, receiverLength);
  }
  wrap(TypedProto, 'sort', (self) => sortUnits(lengthOf(self)));
  wrap(TypedProto, 'toSorted', (self) => sortUnits(lengthOf(self)));
  wrap(TypedProto, 'set', (self, args) => lengthOf(args[0]));
  if (TypedProto.toString === arrayToString) defineProperty(TypedProto, 'toString', { value: ArrayProto.toString });
  wrap(TypedArray, 'from', (self, args) => lengthOf(args[0]));
  const firstArgumentLength = (args) => lengthOf(args[0]);
  for (const key of ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
    'Float16Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array']) {
    guardConstructor(globalThis, key, firstArgumentLength);
  }
  guardConstructor(globalThis, 'Set', firstArgumentLength);

  // Iterators stepped in C: spread ('[...a]', 'f(...a)'), Promise.all and the like call 'next'
  // from C, and copy a plain array without calling it at all (the original 'next' is what
  // allows that shortcut). A bytecode 'next' turns both into calls that poll the interrupt.
  const iteratorPrototypes = [
    getPrototypeOf([][Symbol.iterator]()),
    getPrototypeOf(new Set()[Symbol.iterator]()),
    getPrototypeOf(new Map()[Symbol.iterator]()),
    getPrototypeOf(''[Symbol.iterator]()),
  ];
  for (const prototype of iteratorPrototypes) {
    const original = prototype.next;
    const next = { next() { return apply(original, this, []); } }.next;
    defineProperty(prototype, 'next', { value: next });
    apply(mapSet, originals, [next, original]);
    wrapped += 1;
  }

  // Strings: work in the receiver's length, a repeat count, a padding length, or a naive search.
  const StringProto = String.prototype;
  const selfLength = (self) => stringOf(self).length;
  for (const key of ['toUpperCase', 'toLowerCase', 'toLocaleUpperCase', 'toLocaleLowerCase', 'trim', 'trimStart', 'trimEnd',
    'isWellFormed', 'toWellFormed', 'match', 'matchAll', 'search']) {
    wrap(StringProto, key, selfLength);
  }
  wrap(StringProto, 'normalize', (self) => 4 * stringOf(self).length);
  wrap(StringProto, 'split', (self) => 2 * stringOf(self).length);
  wrap(StringProto, 'replace', (self, args) => 4 * stringOf(self).length + (typeof args[0] === 'string' ? searchUnits(stringOf(self), args[0]) : 0));
  wrap(StringProto, 'replaceAll', (self, args) => 4 * stringOf(self).length + (typeof args[0] === 'string' ? searchUnits(stringOf(self), args[0]) : 0));
  for (const key of ['indexOf', 'lastIndexOf', 'includes']) wrap(StringProto, key, (self, args) => searchUnits(stringOf(self), args[0]));
  wrap(StringProto, 'localeCompare', (self, args) => stringOf(self).length + stringOf(args[0]).length);
  wrap(StringProto, 'repeat', (self, args) => stringOf(self).length * numberOf(args[0]));
  wrap(StringProto, 'padStart', (self, args) => numberOf(args[0]));
  wrap(StringProto, 'padEnd', (self, args) => numberOf(args[0]));
  wrap(String, 'raw', (self, args) => (args[0] === null || typeof args[0] !== 'object' ? 0 : lengthOf(args[0].raw)));

  // Regular expressions: the matcher polls the interrupt itself (catastrophic backtracking is
  // interrupted), but building a global match's array, a replacement or a split does not.
  const RegExpProto = RegExp.prototype;
  wrap(RegExpProto, Symbol.match, (self, args) => stringOf(args[0]).length);
  wrap(RegExpProto, Symbol.split, (self, args) => 2 * stringOf(args[0]).length);
  wrap(RegExpProto, Symbol.replace, (self, args) => 4 * stringOf(args[0]).length);

  // JSON.parse runs on every call's inputs: a wrapper without a rest parameter (same arguments seen),
  // calling the original directly rather than through apply and an argument array (JSON.parse and
  // JSON.stringify do not read their receiver), which is a measurable share of a warm call.
  const jsonParse = JSON.parse;
  const parse = { parse(text, reviver) {
    account(typeof text === 'string' ? text.length : stringOf(text).length);
    return reviver === undefined ? jsonParse(text) : jsonParse(text, reviver);
  } }.parse;
  defineProperty(parse, 'length', { value: jsonParse.length });
  defineProperty(JSON, 'parse', { value: parse });
  apply(mapSet, originals, [parse, jsonParse]);
  wrapped += 1;
  // JSON.stringify: what it visits is only known as it goes, so it is given a replacer, a bytecode
  // function, whose calls poll the interrupt (an identity replacer does not change the text). A
  // replacer function of the code's own polls already; with a replacer list, the top level is counted.
  const jsonStringify = JSON.stringify;
  const identity = function (key, value) { return value; };
  const stringify = { stringify(value, replacer, space) {
    if (replacer === undefined || replacer === null) return jsonStringify(value, identity, space);
    if (typeof replacer !== 'function') account(lengthOf(value));
    return jsonStringify(value, replacer, space);
  } }.stringify;
  defineProperty(stringify, 'length', { value: jsonStringify.length });
  defineProperty(JSON, 'stringify', { value: stringify });
  apply(mapSet, originals, [stringify, jsonStringify]);
  wrapped += 1;

  // BigInt: multiplying, dividing and printing big values runs in C without polling (printing a
  // million-bit value took 7 to 10 s), through operators and conversions no wrapper sees. So no
  // BigInt is made here: what makes one moves the call (a literal in the source keeps it off this
  // thread altogether, see in-process-runner.ts), and so does code compiled at run time that
  // contains a literal.
  const regExpTest = RegExp.prototype.test;
  const bigIntLiteral = /(?:^|[^\w$.])(?:\d[\d_]*|0[xXoObB][\da-fA-F_]+)n(?![\w$])/;
  const never = () => Infinity;
  function codeUnits(args) {
    let units = 0;
    for (const item of args) {
      const text = stringOf(item);
      if (apply(regExpTest, bigIntLiteral, [text])) return Infinity;
      units += text.length;
    }
    return units;
  }
  function guardCallable(holder, key, units) {
    const original = holder[key];
    if (typeof original !== 'function') return;
    const proxy = new ProxyType(original, {
      apply(target, self, args) {
        account(units(args));
        return apply(target, self, args);
      },
      construct(target, args, newTarget) {
        account(units(args));
        return construct(target, args, newTarget);
      },
    });
    if (original.prototype !== undefined && original.prototype !== null) defineProperty(original.prototype, 'constructor', { value: proxy });
    defineProperty(holder, key, { value: proxy });
    apply(mapSet, originals, [proxy, original]);
    wrapped += 1;
  }
  guardCallable(globalThis, 'BigInt', never);
  guardConstructor(globalThis, 'BigInt64Array', never);
  guardConstructor(globalThis, 'BigUint64Array', never);
  wrap(DataView.prototype, 'getBigInt64', never);
  wrap(DataView.prototype, 'getBigUint64', never);
  // Code compiled at run time: eval (indirect only: sources that name eval never run here, so no
  // direct eval loses its scope to this wrapper) and the four function constructors.
  wrap(globalThis, 'eval', (self, args) => codeUnits(args));
  const functionConstructorHolders = [
    { holder: globalThis, key: 'Function' },
    { holder: getPrototypeOf(async function () {}), key: 'constructor' },
    { holder: getPrototypeOf(function* () {}), key: 'constructor' },
    { holder: getPrototypeOf(async function* () {}), key: 'constructor' },
  ];
  for (const { holder, key } of functionConstructorHolders) guardCallable(holder, key, codeUnits);

  // A wrapper's source text would give it away: report the original's.
  const functionToString = Function.prototype.toString;
  defineProperty(Function.prototype, 'toString', { value: { toString() {
    const original = apply(mapGet, originals, [this]);
    return apply(functionToString, original === undefined ? this : original, []);
  } }.toString });
  defineProperty(Function.prototype.toString, 'length', { value: 0 });
  apply(mapSet, originals, [Function.prototype.toString, functionToString]);
  return wrapped;
})`);
