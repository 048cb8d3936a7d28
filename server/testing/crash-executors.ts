/**
 * For the crash-loop test only: the real executors, except that a code step whose source holds
 * CRASH_MARKER kills the whole server process (SIGKILL, as the kernel's out-of-memory killer
 * would) instead of running. Used by crash-server-entry.ts, never by the product.
 */
import type { ExecutorMap } from '../engine/executor.ts';
import { executors } from '../executors/index.ts';

export const CRASH_MARKER = 'KILL-THE-WHOLE-SERVER';

export function crashingExecutors(): ExecutorMap {
  const code: ExecutorMap['code'] = {
    ...executors.code,
    run(context) {
      if (context.config.source.includes(CRASH_MARKER)) process.kill(process.pid, 'SIGKILL');
      return executors.code.run(context);
    },
  };
  return { ...executors, code };
}
