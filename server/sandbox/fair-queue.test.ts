import { describe, expect, it } from 'vitest';
import { FairQueue } from './fair-queue.ts';

describe('FairQueue', () => {
  it('gives the next worker to the owner with the fewest calls running, then to the longest waiting', () => {
    const queue = new FairQueue<string>();
    for (const job of ['a1', 'a2', 'a3']) queue.push('a', job);
    expect(queue.next()).toEqual({ owner: 'a', job: 'a1' });
    expect(queue.next()).toEqual({ owner: 'a', job: 'a2' });
    queue.push('b', 'b1');
    queue.push('c', 'c1');
    // a has two running; b and c none, b waited longer.
    expect(queue.next()).toEqual({ owner: 'b', job: 'b1' });
    expect(queue.next()).toEqual({ owner: 'c', job: 'c1' });
    queue.finished('a');
    queue.push('b', 'b2');
    // a has one running, b one: a3 arrived first.
    expect(queue.next()).toEqual({ owner: 'a', job: 'a3' });
    expect(queue.next()).toEqual({ owner: 'b', job: 'b2' });
    expect(queue.next()).toBeUndefined();
    expect(queue.size).toBe(0);
  });

  it('removes a cancelled call and drains what is left', () => {
    const queue = new FairQueue<string>();
    queue.push('a', 'a1');
    queue.push('b', 'b1');
    queue.push('b', 'b2');
    expect(queue.remove('b', 'b1')).toBe(true);
    expect(queue.remove('b', 'b1')).toBe(false);
    expect(queue.size).toBe(2);
    expect(queue.drain().sort()).toEqual(['a1', 'b2']);
    expect(queue.size).toBe(0);
  });
});
