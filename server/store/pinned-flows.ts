/**
 * The flows that runs pinned in their `run.started` events, one object per distinct flow. Every
 * log read back holds its own copy of the flow; resuming 1,000 runs of one flow would otherwise
 * hash 1,000 copies and compile 1,000 plans (the engine caches plans and hashes by flow object).
 * A copy is replaced by an equal flow already seen, compared value by value, so sharing never
 * changes what a run runs. Shared flows are read-only by convention (not frozen: the JSON
 * Schema validator marks schema objects with a hidden property the first time it uses them).
 */
import { flowHash } from '../../shared/canonical.ts';
import type { Flow } from '../../shared/flow.ts';

export interface PinnedFlow {
  flow: Flow;
  /** Whether the flow's hash is the one recorded beside it. */
  hashMatches: boolean;
}

export class PinnedFlows {
  /** Flows whose hash matched their recorded hash, by that hash. */
  readonly #byHash = new Map<string, Flow[]>();

  /** The shared object equal to `flow` (hashing only flows not seen before). */
  intern(flow: Flow, recordedHash: string): PinnedFlow {
    const known = this.#byHash.get(recordedHash);
    if (known) for (const candidate of known) if (sameJson(candidate, flow)) return { flow: candidate, hashMatches: true };
    if (flowHash(flow) !== recordedHash) return { flow, hashMatches: false };
    if (known) known.push(flow);
    else this.#byHash.set(recordedHash, [flow]);
    return { flow, hashMatches: true };
  }
}

/** Deep equality of JSON values (plain objects, arrays, strings, numbers, booleans, null). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let index = 0; index < a.length; index++) if (!sameJson(a[index], b[index])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  let count = 0;
  for (const key in left) {
    if (!Object.hasOwn(left, key)) continue;
    count++;
    if (!Object.hasOwn(right, key) || !sameJson(left[key], right[key])) return false;
  }
  for (const key in right) if (Object.hasOwn(right, key)) count--;
  return count === 0;
}

