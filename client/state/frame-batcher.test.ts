import { describe, expect, it } from 'vitest';
import { createFrameBatcher } from './frame-batcher.ts';

function fakeClock() {
  const frames: Array<() => void> = [];
  const timers: Array<() => void> = [];
  return {
    frames,
    timers,
    options: {
      requestFrame: (callback: () => void) => frames.push(callback),
      cancelFrame: () => undefined,
      setTimer: (callback: () => void) => timers.push(callback),
      clearTimer: () => undefined,
    },
  };
}

describe('frame batcher', () => {
  it('hands over everything that arrived before the frame, once', () => {
    const clock = fakeClock();
    const batches: number[][] = [];
    const batcher = createFrameBatcher<number>((items) => batches.push(items), clock.options);
    batcher.push(1);
    batcher.push(2);
    batcher.push(3);
    expect(clock.frames).toHaveLength(1);
    expect(batches).toEqual([]);
    clock.frames[0]!();
    expect(batches).toEqual([[1, 2, 3]]);
    // The backing timer firing after the frame delivers nothing more.
    clock.timers[0]!();
    expect(batches).toEqual([[1, 2, 3]]);
    batcher.push(4);
    expect(clock.frames).toHaveLength(2);
  });

  it('falls back to the timer when no frame comes (a hidden tab)', () => {
    const clock = fakeClock();
    const batches: number[][] = [];
    const batcher = createFrameBatcher<number>((items) => batches.push(items), clock.options);
    batcher.push(1);
    clock.timers[0]!();
    expect(batches).toEqual([[1]]);
  });
});
