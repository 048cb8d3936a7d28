import { DEFAULT_CODE_TIMEOUT_MS, type CodeConfig } from '../../shared/kinds/code.ts';
import { StepFailure, type Executor } from '../engine/executor.ts';

/** Grace past the sandbox's own limit before the engine gives up on a step that did not answer. */
const ENGINE_GRACE_MS = 2_000;

/**
 * Runs the user's function in the sandbox (QuickJS in a worker). Only JSON crosses; console lines
 * become step.log events; a limit hit fails the step with the limit named.
 */
export const codeExecutor: Executor<CodeConfig> = {
  timeoutMs: (config) => (config.timeoutMs ?? DEFAULT_CODE_TIMEOUT_MS) + ENGINE_GRACE_MS,

  async run(context) {
    const sandbox = context.services.sandbox;
    if (!sandbox) throw new StepFailure('no-sandbox', 'code steps need the sandbox service, which this engine was not given');
    const { config } = context;
    const result = await sandbox.run(
      { source: config.source, language: config.language, inputs: context.inputs, timeoutMs: config.timeoutMs ?? DEFAULT_CODE_TIMEOUT_MS },
      context.signal,
    );
    for (const line of result.logs) context.emit({ type: 'step.log', level: line.level, text: line.text });
    if (result.logsTruncated) context.emit({ type: 'step.log', level: 'warn', text: '[console output truncated at its limit]' });
    if (!result.ok) {
      const where = result.error.line !== undefined ? ` (line ${result.error.line})` : '';
      throw new StepFailure(result.error.limit ? 'sandbox-limit' : 'code-error', `${result.error.message}${where}`);
    }
    return { type: 'outputs', outputs: result.outputs };
  },
};
