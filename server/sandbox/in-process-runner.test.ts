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
async function placed(source: string, limits?: Partial<SandboxLimits>): Promise<{ result: SandboxResult; placement: Placement | undefined }> {
  placements.length = 0;
  const result = await run(source, { x: 2 }, limits);
  return { result, placement: placements[0] };
}

describe('code steps in-process first', () => {
  it('answers a short call on the server thread, with the same result a worker gives', async () => {
    const { result, placement } = await placed('export default (inputs) => { console.log("hi"); return { y: inputs.x * 2 } }');
    expect(placement).toBe('in-process');
    expect(result).toMatchObject({ ok: true, outputs: { y: 4 }, logs: [{ level: 'log', text: 'hi' }] });
  });

  it('moves a spinning step to a worker, and the event loop keeps turning while it spins', async () => {
    const source = 'export default () => { for (;;) {} }';
    let turns = 0;
    let turning = true;
    const turn = (): void => {
      turns += 1;
      if (turning) setImmediate(turn);
    };
    setImmediate(turn);
    const { result, placement } = await placed(source, { timeoutMs: 300 });
    turning = false;
    expect(placement).toBe('moved');
    expect(result).toMatchObject({ ok: false, error: { limit: 'timeout', message: 'code step exceeded its time limit of 300 ms' } });
    // Blocked for the whole call, the loop would have turned once or twice; a worker spins instead.
    expect(turns).toBeGreaterThan(20);
    // Having hit a limit here once, the same source goes straight to a worker.
    expect((await placed(source, { timeoutMs: 50 })).placement).toBe('worker');
  });

  it('keeps the console lines of the run that counts only', async () => {
    const source = 'export default () => { console.log("start"); const end = Date.now() + 30; while (Date.now() < end) {} return { done: true } }';
    const { result, placement } = await placed(source);
    expect(placement).toBe('moved');
    expect(result).toMatchObject({ ok: true, outputs: { done: true }, logs: [{ level: 'log', text: 'start' }] });
    expect(result.logs).toHaveLength(1);
  });

  it('moves a call that needs more memory than the in-process cap, and it gets its full limit there', async () => {
    const { result, placement } = await placed('export default () => ({ length: "x".repeat(20 * 1024 * 1024).length })');
    expect(placement).toBe('moved');
    expect(result).toMatchObject({ ok: true, outputs: { length: 20 * 1024 * 1024 } });
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
