/**
 * A wire on the canvas: React Flow's bezier, plus, while a run is shown, its run look (carried,
 * idle, pending, animated while its value flows). Each wire selects that look from the run store
 * itself, as a class string: a run event re-renders only the wires whose look it changed, and the
 * canvas's edge list does not change during a run at all.
 */
import { BaseEdge, getBezierPath, type EdgeProps } from '@xyflow/react';
import { memo, useCallback } from 'react';
import type { RunState } from '../../shared/run-state.ts';
import { useRun } from '../state/run-store.ts';
import { useCanvasContext } from './canvas-context.ts';
import { runEdgeLook } from './edge-look.ts';
import { portOfHandle, type WeftCanvasEdge } from './flow-mapping.ts';

/** The classes of a wire's path in a run, from its two ends' steps. */
export function runEdgeClass(run: RunState | null, source: string, sourcePort: string, target: string): string {
  const steps = run?.steps;
  const from = steps && Object.hasOwn(steps, source) ? steps[source] : undefined;
  const to = steps && Object.hasOwn(steps, target) ? steps[target] : undefined;
  const look = runEdgeLook(sourcePort, from, to);
  return ['edge-run', look.className, look.animated ? 'edge-animated' : ''].filter(Boolean).join(' ');
}

function WeftEdgeView({ id, source, target, sourceHandleId, sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition, style, markerStart, markerEnd, interactionWidth }: EdgeProps<WeftCanvasEdge>) {
  const { runMode } = useCanvasContext();
  const sourcePort = portOfHandle(sourceHandleId) ?? '';
  const className = useRun(useCallback((state: { run: RunState | null }) => (runMode ? runEdgeClass(state.run, source, sourcePort, target) : undefined), [runMode, source, sourcePort, target]));
  const [path] = getBezierPath({ sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition });
  return (
    <BaseEdge
      id={id}
      path={path}
      style={style}
      {...(className ? { className } : {})}
      {...(markerStart ? { markerStart } : {})}
      {...(markerEnd ? { markerEnd } : {})}
      {...(interactionWidth !== undefined ? { interactionWidth } : {})}
    />
  );
}

export const WeftEdge = memo(WeftEdgeView);
