import { beforeAll, describe, expect, it } from 'vitest';
import { createRealm, disposeRealm } from './guest-realm.ts';
import { loadEngine, type Engine } from './load-engine.ts';
import { runInRealm, type GuestRun } from './run-guest.ts';
import { DEFAULT_SANDBOX_LIMITS } from './sandbox-limits.ts';

/**
 * Math.random is reseeded on a call's first draw rather than at its start (guest-prelude.ts): the
 * numbers a call sees must still be a function of its own seed only, whatever the calls before it
 * drew or did not draw.
 */

let engine: Engine;

beforeAll(async () => {
  engine = await loadEngine(DEFAULT_SANDBOX_LIMITS.memoryBytes);
});

function values(run: GuestRun): number[] {
  if (!run.outcome.ok) throw new Error(run.outcome.error.message);
  return (JSON.parse(run.outcome.outputsJson) as { values: number[] }).values;
}

const DRAW = 'export default () => ({ values: [Math.random(), Math.random(), Math.random()] })';
const NO_DRAW = 'export default () => ({ values: [] })';
const DRAW_AT_TOP = 'const first = Math.random();\nexport default () => ({ values: [first, Math.random(), Math.random()] })';

describe('Math.random seeded on first draw', () => {
  it('gives a call the sequence of its own seed after calls that drew nothing, and in the module body', () => {
    const realm = createRealm(engine);
    try {
      const call = (source: string, randomSeed: number): GuestRun =>
        runInRealm(realm, { source, language: 'javascript', inputsJson: '{}', limits: DEFAULT_SANDBOX_LIMITS, isCancelled: () => false, randomSeed });
      const expected = values(call(DRAW, 4242));
      expect(values(call(NO_DRAW, 1))).toEqual([]);
      expect(values(call(DRAW, 4242))).toEqual(expected);
      // A call that draws after one that drew with another seed, and one that drew nothing.
      expect(values(call(DRAW, 7))).not.toEqual(expected);
      expect(values(call(NO_DRAW, 4242))).toEqual([]);
      expect(values(call(DRAW_AT_TOP, 4242))).toEqual(expected);
      expect(values(call(DRAW, 4242))).toEqual(expected);
    } finally {
      disposeRealm(realm);
    }
  });
});
