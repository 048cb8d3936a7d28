/**
 * Says why a wire does not fit, while it is being drawn over a port and for a few seconds after
 * it was refused: the contract's own reason text (e.g. "number cannot feed string: ...").
 */
import { useConnection } from '@xyflow/react';
import type { Flow } from '../../shared/flow.ts';
import { useUi } from '../state/ui-store.ts';
import { checkConnection, connectionToEdge } from './flow-mapping.ts';

interface HandleRef {
  nodeId: string;
  id?: string | null;
  type: 'source' | 'target';
}

/** The refusal reason for a wire from one handle to another, or null when it fits. */
export function refusalReason(flow: Flow, from: HandleRef, to: HandleRef): string | null {
  if (from.type === to.type) return from.type === 'source' ? 'two outputs cannot be wired: drag an output to an input' : 'two inputs cannot be wired: drag an output to an input';
  const [source, target] = from.type === 'source' ? [from, to] : [to, from];
  const edge = connectionToEdge({ source: source.nodeId, sourceHandle: source.id ?? null, target: target.nodeId, targetHandle: target.id ?? null });
  if (!edge) return 'a wire goes from an output port to an input port';
  const fit = checkConnection(flow, edge);
  return fit.ok ? null : fit.reason;
}

export function WireHint({ flow }: { flow: Flow }) {
  const live = useConnection((connection) =>
    connection.inProgress && connection.toHandle ? refusalReason(flow, connection.fromHandle, connection.toHandle) : null,
  );
  const lingering = useUi((state) => state.wireHint);
  const text = live ?? lingering?.text;
  if (!text) return null;
  return (
    <div className={`wire-hint${live ? '' : ' wire-hint-refused'}`} role="status" data-testid="wire-hint">
      <strong>{live ? 'This wire does not fit' : 'Wire refused'}</strong>
      <span>{text}</span>
    </div>
  );
}
