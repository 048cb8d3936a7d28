/** How a wire looks in a run: lit once its value passed, animated while it flows or its source runs. */
import type { StepState } from '../../shared/run-state.ts';

export interface RunEdgeLook {
  className: '' | 'edge-carried' | 'edge-idle' | 'edge-pending';
  animated: boolean;
}

/** The look of a wire from its source port and its two ends' steps (either may not have started). */
export function runEdgeLook(sourcePort: string, source: StepState | undefined, target: StepState | undefined): RunEdgeLook {
  const carried = source?.outputs !== undefined && Object.hasOwn(source.outputs, sourcePort);
  const sourceDone = source?.status === 'succeeded' || source?.status === 'skipped' || source?.status === 'failed' || source?.status === 'cancelled';
  const flowing = carried && (target?.status === 'running' || target?.status === 'waiting');
  const className = carried ? 'edge-carried' : sourceDone ? 'edge-idle' : source?.status === 'running' ? 'edge-pending' : '';
  return { className, animated: flowing || source?.status === 'running' };
}
