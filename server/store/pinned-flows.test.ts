import { describe, expect, it } from 'vitest';
import { flowHash } from '../../shared/canonical.ts';
import { reviewFlow } from '../testing/fixture-flows.ts';
import { PinnedFlows, sameJson } from './pinned-flows.ts';

describe('sameJson', () => {
  it('compares JSON values by value, whatever the key order', () => {
    expect(sameJson({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameJson({ a: 1, b: 2 }, { a: 1 })).toBe(false);
    expect(sameJson({ a: undefined }, {})).toBe(false);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    expect(sameJson([], {})).toBe(false);
    expect(sameJson({ 0: 'a' }, ['a'])).toBe(false);
    expect(sameJson(null, {})).toBe(false);
    expect(sameJson('1', 1)).toBe(false);
  });
});

describe('PinnedFlows', () => {
  it('hands out one object per distinct flow, hashing each distinct flow once', () => {
    const flows = new PinnedFlows();
    const hash = flowHash(reviewFlow());
    const first = flows.intern(reviewFlow(), hash);
    const second = flows.intern(reviewFlow(), hash);
    expect(first).toEqual({ flow: expect.anything(), hashMatches: true });
    expect(second.flow).toBe(first.flow);
    const renamed = { ...reviewFlow(), name: 'Other' };
    const other = flows.intern(renamed, flowHash(renamed));
    expect(other.flow).toBe(renamed);
    expect(flows.intern({ ...renamed }, flowHash(renamed)).flow).toBe(renamed);
  });

  it('never shares a flow whose recorded hash does not match', () => {
    const flows = new PinnedFlows();
    const hash = flowHash(reviewFlow());
    flows.intern(reviewFlow(), hash);
    const changed = { ...reviewFlow(), name: 'Changed, same recorded hash' };
    expect(flows.intern(changed, hash)).toEqual({ flow: changed, hashMatches: false });
  });
});
