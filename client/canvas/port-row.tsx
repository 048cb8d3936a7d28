/**
 * One typed port of a node: its handle on the node's edge and "name · type" in the port's colour,
 * with the port's caption beside it when its kind gives one (a switch case's condition in words).
 */
import { Handle, Position } from '@xyflow/react';
import { PORT_COLOURS, type PortSpec } from '../../shared/ports.ts';
import type { Problem } from '../../shared/validate.ts';
import { handleId } from './flow-mapping.ts';

interface Props {
  nodeId: string;
  port: PortSpec;
  direction: 'in' | 'out';
  problems: Problem[] | undefined;
  connectable: boolean;
  /** A wired port its node no longer has (its child flow changed): drawn so the wire shows, and flagged. */
  vanished?: boolean;
}

export function PortRow({ nodeId, port, direction, problems, connectable, vanished = false }: Props) {
  const colour = vanished ? 'var(--bad)' : PORT_COLOURS[port.type];
  const title = [port.description, ...(problems ?? []).map((problem) => problem.message)].filter(Boolean).join('\n');
  return (
    <div className={`port port-${direction}${problems ? ' port-problem' : ''}${vanished ? ' port-vanished' : ''}`} title={title || undefined} data-testid={`port-${nodeId}-${direction}-${port.name}`}>
      <Handle
        type={direction === 'in' ? 'target' : 'source'}
        position={direction === 'in' ? Position.Left : Position.Right}
        id={handleId(direction, port.name)}
        isConnectable={connectable && !vanished}
        className="port-handle"
        style={{ background: colour, borderColor: colour }}
        data-testid={`handle-${nodeId}-${direction}-${port.name}`}
      />
      {port.caption !== undefined ? (
        <span className="port-caption" data-testid={`port-caption-${nodeId}-${port.name}`}>
          {port.caption}
        </span>
      ) : null}
      <span className="port-name">{port.name}</span>
      <span className="port-type" style={{ color: colour }}>
        {vanished ? 'gone' : port.type}
        {port.required === false && direction === 'in' && !vanished ? '?' : ''}
      </span>
      {problems ? <span className="port-problem-dot" aria-label="problem" /> : null}
    </div>
  );
}
