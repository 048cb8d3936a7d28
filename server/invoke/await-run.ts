/**
 * Waits for a run to reach a point an invoke call can answer: ended (succeeded, failed,
 * cancelled) or waiting for a person; gives up after `timeoutMs` and reports the state then.
 * Listens to the run manager's stored events rather than polling.
 */
import type { RunState } from '../../shared/run-state.ts';
import type { RunManager } from '../run-manager.ts';

const isAnswerable = (state: RunState | undefined): boolean => state !== undefined && state.status !== 'running';

export function awaitRun(runs: RunManager, runId: string, timeoutMs: number): Promise<RunState | undefined> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (state: RunState | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stop();
      resolve(state);
    };
    const check = (): void => {
      runs.state(runId).then((state) => {
        if (isAnswerable(state)) finish(state);
      }, reject);
    };
    // Listening first, then reading: an event stored between the two still triggers a check.
    const stop = runs.onEvents((events) => {
      if (events.some((event) => event.runId === runId && (event.type.startsWith('run.') || event.type === 'step.waiting'))) check();
    });
    const timer = setTimeout(() => void runs.state(runId).then(finish, reject), timeoutMs);
    check();
  });
}
