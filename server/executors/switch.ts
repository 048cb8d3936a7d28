import { holds } from '../../shared/conditions.ts';
import type { SwitchConfig } from '../../shared/kinds/switch.ts';
import type { Executor } from '../engine/executor.ts';

/**
 * Fires the port of the first case whose condition holds, carrying the value unchanged; with no
 * case holding, the `otherwise` port, or none. Ports that do not fire skip what they feed.
 */
export const switchExecutor: Executor<SwitchConfig> = {
  async run(context) {
    const value = context.inputs.value;
    const chosen = context.config.cases.find((entry) => holds(entry.when, value))?.port ?? context.config.otherwise;
    return { type: 'outputs', outputs: chosen === undefined ? {} : { [chosen]: value } };
  },
};
