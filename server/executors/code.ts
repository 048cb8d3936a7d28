import { DEFAULT_CODE_TIMEOUT_MS, type CodeConfig } from '../../shared/kinds/code.ts';
import { StepFailure, type Executor, type StepContext } from '../engine/executor.ts';
import type { SandboxRunResult } from '../engine/services.ts';
import { DEFAULT_SANDBOX_LIMITS, formatBytes } from '../sandbox/sandbox-limits.ts';

/** Grace past the sandbox's own limit before the step gives up on a call that did not answer. */
const STEP_GRACE_MS = 2_000;

/**
 * Runs the user's function in the sandbox (QuickJS, in-process for short calls, else in a worker). Only JSON crosses; console lines
 * become step.log events; a limit hit fails the step with the limit named.
 *
 * The whole-step bound is kept here rather than in the engine (no `timeoutMs`): it starts when
 * the sandbox starts the call, so time spent waiting for a free worker, shared with other runs,
 * never counts against the step's limit. While it waits, the step reports `step.queue`.
 */
export const codeExecutor: Executor<CodeConfig> = {
  async run(context) {
    const sandbox = context.services.sandbox;
    if (!sandbox) throw new StepFailure('no-sandbox', 'code steps need the sandbox service, which this engine was not given');
    const { config } = context;
    const timeoutMs = config.timeoutMs ?? DEFAULT_CODE_TIMEOUT_MS;
    const stepLimitMs = timeoutMs + STEP_GRACE_MS;
    // Made only for a call that does not finish at once (one that goes to a worker): most warm
    // calls finish in-process, and a signal, a second one combined with the step's, and a timer
    // per call cost more than the call itself (bench/README.md, round four).
    let overrun: AbortController | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let queued = false;
    let result: SandboxRunResult;
    try {
      // The callbacks are methods and an inline arrow, not named closures: `npm start` runs through
      // tsx, whose keepNames wraps every named closure in a `__name` call that redefines its `name`
      // per call, which cost about a tenth of a warm step (bench/README.md, round five).
      result = await sandbox.run(
        {
          source: config.source,
          language: config.language,
          inputs: context.inputs,
          timeoutMs,
          owner: context.runId,
          onQueued() {
            queued = true;
            context.emit({ type: 'step.queue', queued: true });
          },
          onStart() {
            if (queued) context.emit({ type: 'step.queue', queued: false });
            const controller = overrun;
            if (controller !== undefined) timer = setTimeout(() => controller.abort(), stepLimitMs);
          },
        },
        () => {
          overrun = new AbortController();
          return AbortSignal.any([context.signal, overrun.signal]);
        },
      );
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
    if (overrun?.signal.aborted === true) throw new StepFailure('timeout', `step "${context.node.id}" timed out after ${stepLimitMs} ms`);
    emitLogs(context, result);
    if (!result.ok) {
      const where = result.error.line !== undefined ? ` (line ${result.error.line})` : '';
      throw new StepFailure(result.error.limit ? 'sandbox-limit' : 'code-error', `${result.error.message}${where}`);
    }
    return { type: 'outputs', outputs: result.outputs };
  },
};

/** The step's console lines, then, if the caps left any out, one warning saying how much. */
function emitLogs(context: StepContext<CodeConfig>, result: SandboxRunResult): void {
  for (const line of result.logs) context.emit({ type: 'step.log', level: line.level, text: line.text });
  if (result.logsTruncated) context.emit({ type: 'step.log', level: 'warn', text: droppedText(result.logsDropped) });
}

export function droppedText({ lines, bytes }: { lines: number; bytes: number }): string {
  const { consoleLines, consoleBytes } = DEFAULT_SANDBOX_LIMITS;
  const what = lines > 0 ? `${lines} more ${lines === 1 ? 'line' : 'lines'} (${formatBytes(bytes)} of text)` : `the last ${formatBytes(bytes)} of a line`;
  return `[console output over the step's cap of ${consoleLines} lines or ${formatBytes(consoleBytes)}: ${what} dropped]`;
}
