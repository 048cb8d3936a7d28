/**
 * Code evaluated once per realm, after the prelude and before any user code, that makes
 * the realm safe to reuse across calls (see guest-realm.ts): afterwards nothing a call
 * can reach is able to hold a value until the next call.
 *
 * - What could carry state or run code between calls is removed by the prelude before
 *   this runs (`WeakRef`, `FinalizationRegistry`, `SharedArrayBuffer`; QuickJS has no
 *   timers), and the prelude's `console` is a frozen object of frozen functions.
 * - Every object reachable from `globalThis` and from the intrinsics only syntax reaches
 *   (generator, async and iterator prototypes, %ThrowTypeError%, ...) is frozen, as SES
 *   `harden` does: own string and symbol keys, accessors' getters and setters,
 *   prototypes, then `globalThis` itself. A frozen realm has no writable slot left, so a
 *   call can only build fresh objects, which die with it.
 * - The "override mistake": with `Error.prototype.name` frozen, `this.name = 'MyError'`
 *   in a subclass's constructor would throw in strict code. A few properties that user
 *   code commonly shadows by assignment are turned into accessors first (as SES's
 *   "moderate" enablements do): the getter returns the original value, the setter
 *   defines an own property on the object assigned to, and refuses the shared prototype.
 *
 * The function returns how many objects it froze, which the realm checks (a walk that
 * froze nothing would mean the lockdown did not run as intended).
 */

/** Same compaction as the prelude: no multi-line strings or templates here. */
function compact(source: string): string {
  return source.replace(/^[ \t]+/gm, '').replace(/^\/\/.*\n/gm, '');
}

/** `(extraRoots) => frozenCount`: `extraRoots` are prelude values user code can reach (e.g. the import refuser). */
export const GUEST_LOCKDOWN_SOURCE = compact(String.raw`(function lockdown(extraRoots) {
  'use strict';
  const { getOwnPropertyDescriptor, defineProperty, getPrototypeOf, freeze } = Object;
  const ownKeys = Reflect.ownKeys;
  const apply = Reflect.apply;
  const hasOwnProperty = Object.prototype.hasOwnProperty;
  const TypeErrorType = TypeError;
  const StringOf = String;

  function tame(target, key) {
    const descriptor = getOwnPropertyDescriptor(target, key);
    if (descriptor === undefined || !('value' in descriptor)) return;
    const value = descriptor.value;
    const get = function () { return value };
    const set = function (newValue) {
      if (this === target) throw new TypeErrorType('Cannot assign to read only property ' + StringOf(key) + ' of a shared built-in');
      if (apply(hasOwnProperty, this, [key])) this[key] = newValue;
      else defineProperty(this, key, { value: newValue, writable: true, enumerable: true, configurable: true });
    };
    defineProperty(target, key, { get, set, enumerable: descriptor.enumerable, configurable: false });
  }

  const errors = [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError, InternalError, AggregateError];
  for (const key of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'toLocaleString']) tame(Object.prototype, key);
  for (const key of ['constructor', 'toString']) tame(Function.prototype, key);
  for (const type of errors) for (const key of ['constructor', 'name', 'message', 'toString']) tame(type.prototype, key);

  const syntaxRoots = [
    getPrototypeOf(function* () {}),
    getPrototypeOf(async function () {}),
    getPrototypeOf(async function* () {}),
    getPrototypeOf([][Symbol.iterator]()),
    getPrototypeOf(new Map()[Symbol.iterator]()),
    getPrototypeOf(new Set()[Symbol.iterator]()),
    getPrototypeOf(''[Symbol.iterator]()),
    getPrototypeOf(/a/g[Symbol.matchAll]('a')),
    getOwnPropertyDescriptor((function () { return arguments })(), 'callee').get,
  ];
  if (typeof Iterator === 'function') {
    syntaxRoots.push(getPrototypeOf([].values().map((value) => value)));
    syntaxRoots.push(getPrototypeOf(Iterator.from({ next() { return { done: true } } })));
  }

  const seen = new Set();
  const pending = [globalThis, ...syntaxRoots, ...extraRoots];
  while (pending.length > 0) {
    const value = pending.pop();
    if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) continue;
    seen.add(value);
    pending.push(getPrototypeOf(value));
    for (const key of ownKeys(value)) {
      const descriptor = getOwnPropertyDescriptor(value, key);
      if ('value' in descriptor) pending.push(descriptor.value);
      else pending.push(descriptor.get, descriptor.set);
    }
  }
  for (const value of seen) freeze(value);
  return seen.size;
})`);
