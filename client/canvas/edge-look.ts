/** How a wire looks: its type's colour, red when it has a problem, lit and animated as values pass in a run. */
import { parseEndpoint, type FlowEdge } from '../../shared/flow.ts';
import type { StepState } from '../../shared/run-state.ts';
import type { ProblemIndex } from '../state/problems.ts';
import { edgeKey } from '../state/flow-diff.ts';
import type { WeftCanvasEdge } from './flow-mapping.ts';

export function edgeLook(edge: WeftCanvasEdge, flowEdge: FlowEdge, steps: Record<string, StepState> | undefined, problems: ProblemIndex | null): WeftCanvasEdge {
  if (steps) {
    const from = parseEndpoint(flowEdge.from);
    const to = parseEndpoint(flowEdge.to);
    const source = steps[from.nodeId];
    const target = steps[to.nodeId];
    const carried = source?.outputs !== undefined && Object.hasOwn(source.outputs, from.port);
    const sourceDone = source?.status === 'succeeded' || source?.status === 'skipped' || source?.status === 'failed' || source?.status === 'cancelled';
    const flowing = carried && (target?.status === 'running' || target?.status === 'waiting');
    const className = carried ? 'edge-carried' : sourceDone ? 'edge-idle' : source?.status === 'running' ? 'edge-pending' : '';
    return { ...edge, animated: flowing || source?.status === 'running', className, selectable: false };
  }
  const problem = problems?.byEdge.get(edgeKey(flowEdge));
  return problem ? { ...edge, className: 'edge-problem', style: { ...edge.style, stroke: '#d64545' } } : edge;
}
