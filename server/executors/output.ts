import type { OutputConfig } from '../../shared/kinds/output.ts';
import type { Executor } from '../engine/executor.ts';

/** Collects what arrived into the run's result; a field whose branch was not taken is left out. */
export const outputExecutor: Executor<OutputConfig> = {
  async run(context) {
    const result: Record<string, unknown> = {};
    for (const field of context.config.fields) {
      if (Object.hasOwn(context.inputs, field.name)) result[field.name] = context.inputs[field.name];
    }
    return { type: 'outputs', outputs: {}, result };
  },
};
