import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxPool } from './create-sandbox.ts';
import type { Placement } from './in-process-runner.ts';
import type { Sandbox, SandboxLimits, SandboxResult } from './sandbox-types.ts';

/** Short calls on the server's thread, and what happens to calls that are not short (in-process-runner.ts). */

let sandbox: Sandbox;
const placements: Placement[] = [];

beforeAll(async () => {
  sandbox = createSandboxPool({ poolSize: 1, onPlacement: (placement) => placements.push(placement) });
  // The in-process engine loads in the background: wait until a call is served by it.
  for (let attempt = 0; attempt < 2000; attempt += 1) {
    placements.length = 0;
    await run('export default () => ({})');
    if (placements[0] === 'in-process') return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('the in-process engine never became ready');
});

afterAll(async () => {
  await sandbox.close();
});

function run(source: string, inputs: Record<string, unknown> = {}, limits?: Partial<SandboxLimits>): Promise<SandboxResult> {
  return sandbox.run({ source, language: 'javascript', inputs, limits });
}

/** Runs `source` and says where it ran. */
async function placed(source: string, limits?: Partial<SandboxLimits>, inputs: Record<string, unknown> = { x: 2 }): Promise<{ result: SandboxResult; placement: Placement | undefined }> {
  placements.length = 0;
  const result = await run(source, inputs, limits);
  return { result, placement: placements[0] };
}

/**
 * Calls `source` until a call runs in-process: a worker must first answer it quickly (in-process-runner.ts
 * `trust`), which a busy machine can delay for a few calls.
 */
async function untilInProcess(source: string, inputs: Record<string, unknown> = { x: 2 }): Promise<SandboxResult> {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    const { result, placement } = await placed(source, undefined, inputs);
    if (placement === 'in-process') return result;
  }
  throw new Error('the source was never tried in-process');
}

/**
 * Runs `source` until a call is tried in-process (finished there or moved): between calls the realm
 * may be being rebuilt (after a retiring call), and calls then go to a worker without trying.
 */
async function tried(source: string, limits: Partial<SandboxLimits> | undefined, inputs: Record<string, unknown>): Promise<{ result: SandboxResult; placement: Placement | undefined }> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const outcome = await placed(source, limits, inputs);
    if (outcome.placement !== 'worker') return outcome;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('the call was never tried in-process');
}

describe('code steps in-process first', () => {
  it('tries a source in-process once a worker has answered it within the budget, with the same result', async () => {
    const source = 'export default (inputs) => { console.log("hi"); return { y: inputs.x * 2 } }';
    const first = await placed(source);
    expect(first.placement).toBe('worker');
    const result = await untilInProcess(source);
    expect(result).toEqual({ ...first.result, durationMs: result.durationMs });
    expect(result).toMatchObject({ ok: true, outputs: { y: 4 }, logs: [{ level: 'log', text: 'hi' }] });
  });

  it('moves a spinning step to a worker, and the event loop keeps turning while it spins', async () => {
    const source = 'export default (inputs) => { if (inputs.spin) for (;;) {} return {} }';
    await untilInProcess(source, { spin: false });
    let turns = 0;
    let turning = true;
    const turn = (): void => {
      turns += 1;
      if (turning) setImmediate(turn);
    };
    setImmediate(turn);
    const { result, placement } = await tried(source, { timeoutMs: 300 }, { spin: true });
    turning = false;
    expect(placement).toBe('moved');
    expect(result).toMatchObject({ ok: false, error: { limit: 'timeout', message: 'code step exceeded its time limit of 300 ms' } });
    // Blocked for the whole call, the loop would have turned once or twice; a worker spins instead.
    expect(turns).toBeGreaterThan(20);
    // Moved three times in a row, the same source goes straight to a worker.
    for (let miss = 2; miss <= 3; miss += 1) expect((await tried(source, { timeoutMs: 50 }, { spin: true })).placement).toBe('moved');
    expect((await placed(source, { timeoutMs: 50 })).placement).toBe('worker');
  });

  it('keeps trying a source in-process after one miss (a busy machine can deschedule any short call past the budget)', async () => {
    const source = 'export default (inputs) => { if (inputs.spin) for (;;) {} return { y: inputs.x } }';
    await untilInProcess(source, { spin: false, x: 1 });
    expect((await tried(source, { timeoutMs: 50 }, { spin: true })).placement).toBe('moved');
    const next = await tried(source, undefined, { spin: false, x: 2 });
    expect(next).toMatchObject({ placement: 'in-process', result: { ok: true, outputs: { y: 2 } } });
  });

  it('keeps the console lines of the run that counts only', async () => {
    const source = 'export default (inputs) => { console.log("start"); const end = Date.now() + inputs.ms; while (Date.now() < end) {} return { done: true } }';
    await untilInProcess(source, { ms: 0 });
    const { result, placement } = await tried(source, undefined, { ms: 30 });
    expect(placement).toBe('moved');
    expect(result).toMatchObject({ ok: true, outputs: { done: true }, logs: [{ level: 'log', text: 'start' }] });
    expect(result.logs).toHaveLength(1);
  });

  it('moves a call that needs more memory than the in-process cap, and it gets its full limit there', async () => {
    const source = 'export default (inputs) => ({ length: "x".repeat(inputs.size).length })';
    await untilInProcess(source, { size: 1 });
    const { result, placement } = await tried(source, undefined, { size: 20 * 1024 * 1024 });
    expect(placement).toBe('moved');
    expect(result).toMatchObject({ ok: true, outputs: { length: 20 * 1024 * 1024 } });
  });

  it('moves a call whose built-in would run long without polling the interrupt (in-process-guards.ts), with the right answer', async () => {
    const source = 'export default (inputs) => ({ n: new Array(inputs.size).fill(1).join(",").length })';
    expect((await placed(source, undefined, { size: 1 })).placement).toBe('worker');
    await untilInProcess(source, { size: 1 });
    const slow = await tried(source, undefined, { size: 1_000_000 });
    expect(slow).toMatchObject({ placement: 'moved', result: { ok: true, outputs: { n: 1_999_999 } } });
    for (let miss = 2; miss <= 3; miss += 1) expect((await tried(source, undefined, { size: 1_000_000 })).placement).toBe('moved');
    expect((await placed(source, undefined, { size: 1 })).placement).toBe('worker');
  });

  it('still answers in-process after moving calls (the realm is rebuilt off the call path)', async () => {
    for (let attempt = 0; attempt < 2000; attempt += 1) {
      const { placement } = await placed('export default (inputs) => ({ z: inputs.x })');
      if (placement === 'in-process') return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error('no call ran in-process again');
  });
});
