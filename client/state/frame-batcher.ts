/**
 * Collects items that arrive faster than the screen can show them and hands them over once per
 * animation frame: a run sending hundreds of events a second updates its store (and so the
 * canvas) at most once a frame. A timer backs the frame up, since a hidden tab gets no frames.
 */
export interface FrameBatcherOptions {
  requestFrame?: (callback: () => void) => unknown;
  cancelFrame?: (handle: unknown) => void;
  setTimer?: (callback: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /** The longest an item waits when no frame comes (a hidden tab). */
  fallbackMs?: number;
}

export interface FrameBatcher<T> {
  push(item: T): void;
  /** Hands over what is waiting now (e.g. before a state change that must see it). */
  flush(): void;
}

export function createFrameBatcher<T>(deliver: (items: T[]) => void, options: FrameBatcherOptions = {}): FrameBatcher<T> {
  const requestFrame = options.requestFrame ?? (typeof requestAnimationFrame === 'function' ? (callback: () => void) => requestAnimationFrame(callback) : undefined);
  const cancelFrame = options.cancelFrame ?? ((handle: unknown) => cancelAnimationFrame(handle as number));
  const setTimer = options.setTimer ?? ((callback: () => void, ms: number) => setTimeout(callback, ms));
  const clearTimer = options.clearTimer ?? ((handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>));
  const fallbackMs = options.fallbackMs ?? 250;
  let waiting: T[] = [];
  let frame: unknown;
  let timer: unknown;

  const flush = (): void => {
    if (frame !== undefined) cancelFrame(frame);
    if (timer !== undefined) clearTimer(timer);
    frame = undefined;
    timer = undefined;
    if (waiting.length === 0) return;
    const items = waiting;
    waiting = [];
    deliver(items);
  };

  return {
    push(item) {
      waiting.push(item);
      if (timer !== undefined) return;
      timer = setTimer(flush, requestFrame ? fallbackMs : 0);
      if (requestFrame) frame = requestFrame(flush);
    },
    flush,
  };
}
