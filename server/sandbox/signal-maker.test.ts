import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxPool } from './create-sandbox.ts';
import type { Placement } from './in-process-runner.ts';
import type { Sandbox } from './sandbox-types.ts';

/**
 * A call's signal given as a function that makes it (Sandbox.run): made only for a call that goes
 * to a worker, so a warm in-process call costs no signal.
 */

let sandbox: Sandbox;
const placements: Placement[] = [];
const QUICK = 'export default (inputs) => ({ y: inputs.x })';

beforeAll(async () => {
  sandbox = createSandboxPool({ poolSize: 1, onPlacement: (placement) => placements.push(placement) });
  // The in-process engine loads in the background, and a source runs in-process only once a worker answered it.
  for (let attempt = 0; attempt < 2000; attempt += 1) {
    placements.length = 0;
    await sandbox.run({ source: QUICK, language: 'javascript', inputs: { x: 1 } });
    if (placements[0] === 'in-process') return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('the in-process engine never became ready');
});

afterAll(async () => {
  await sandbox.close();
});

describe('a signal maker', () => {
  it('is never called for a call that finishes in-process', async () => {
    let made = 0;
    const maker = (): AbortSignal => {
      made += 1;
      return new AbortController().signal;
    };
    for (let attempt = 0; attempt < 500; attempt += 1) {
      placements.length = 0;
      made = 0;
      const result = await sandbox.run({ source: QUICK, language: 'javascript', inputs: { x: 2 } }, maker);
      expect(result).toMatchObject({ ok: true, outputs: { y: 2 } });
      if (placements[0] === 'in-process') {
        expect(made).toBe(0);
        return;
      }
      // A worker call (the realm was being rebuilt) makes its signal, once.
      expect(made).toBe(1);
    }
    throw new Error('no call ran in-process');
  });

  it('is called once for a call that goes to a worker, and cancels it through the signal it made', async () => {
    const controller = new AbortController();
    let made = 0;
    const outcome: string[] = [];
    const started = new Promise<void>((resolve) => {
      void sandbox
        .run(
          // Spins past the in-process budget, so it moves to the worker, where it spins until cancelled.
          { source: 'export default () => { for (;;) {} }', language: 'javascript', inputs: {}, limits: { timeoutMs: 60_000 }, onStart: () => resolve() },
          () => {
            made += 1;
            return controller.signal;
          },
        )
        .then((result) => outcome.push(result.ok ? 'ok' : result.error.message));
    });
    await started;
    expect(made).toBe(1);
    controller.abort();
    await expect.poll(() => outcome).toEqual(['cancelled']);
    // The pool still answers.
    expect(await sandbox.run({ source: QUICK, language: 'javascript', inputs: { x: 3 } })).toMatchObject({ ok: true, outputs: { y: 3 } });
  }, 30_000);
});
