import type { InputConfig } from '../../shared/kinds/input.ts';
import type { Executor } from '../engine/executor.ts';

/** Puts the run's inputs (checked against the fields before the run started) on the output ports. */
export const inputExecutor: Executor<InputConfig> = {
  async run(context) {
    const outputs: Record<string, unknown> = {};
    for (const field of context.config.fields) {
      if (Object.hasOwn(context.runInputs, field.name)) outputs[field.name] = context.runInputs[field.name];
    }
    return { type: 'outputs', outputs };
  },
};
