import { describe, expect, it } from 'vitest';
import { StallGuard } from './stall-guard.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('StallGuard', () => {
  it('fires when the provider sends nothing for its idle time', async () => {
    const guard = new StallGuard(40);
    let stalls = 0;
    guard.start(() => stalls++);
    await sleep(80);
    expect(guard.fired).toBe(true);
    expect(stalls).toBe(1);
    guard.clear();
  });

  it('does not count the time the consumer holds a chunk, nor fire while chunks keep coming', async () => {
    const guard = new StallGuard(40);
    guard.start(() => undefined);
    for (let chunk = 0; chunk < 4; chunk++) {
      await sleep(15);
      guard.received();
      // The consumer takes longer than the idle time with this chunk.
      await sleep(chunk === 1 ? 70 : 5);
      guard.waiting();
    }
    expect(guard.fired).toBe(false);
    guard.clear();
    await sleep(60);
    expect(guard.fired).toBe(false);
  });
});
