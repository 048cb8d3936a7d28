/** A flow node on the canvas: kind and label, typed ports, problems, and its step while a run is shown. */
import { useUpdateNodeInternals, type NodeProps } from '@xyflow/react';
import { memo, useEffect } from 'react';
import { registry } from '../../shared/kinds/registry.ts';
import { stepLabel } from '../lib/format.ts';
import { useRun } from '../state/run-store.ts';
import { useCanvasContext } from './canvas-context.ts';
import type { WeftCanvasNode } from './flow-mapping.ts';
import { NodeRunDetails } from './node-run-details.tsx';
import { NodeWaiting } from './node-waiting.tsx';
import { PortRow } from './port-row.tsx';

function WeftNodeView({ id, data, selected }: NodeProps<WeftCanvasNode>) {
  const { runMode, problems } = useCanvasContext();
  const step = useRun((state) => (runMode ? state.run?.steps[id] : undefined));
  const runEnded = useRun((state) => state.run?.endedAt !== undefined);
  const definition = registry.get(data.node.kind);
  const updateNodeInternals = useUpdateNodeInternals();
  const portKey = [...data.ports.inputs.map((port) => `i${port.name}`), ...data.ports.outputs.map((port) => `o${port.name}`)].join('|');
  useEffect(() => updateNodeInternals(id), [id, portKey, updateNodeInternals]);

  const nodeProblems = runMode ? undefined : problems?.byNode.get(id);
  const status = step?.status;
  const classes = ['weft-node', selected ? 'selected' : '', nodeProblems ? 'has-problems' : '', status ? `status-${status}` : ''].filter(Boolean).join(' ');
  const portProblems = (name: string) => (runMode ? undefined : problems?.byPort.get(`${id}.${name}`));
  const request = step?.request;

  return (
    <div className={classes} style={{ '--accent': definition?.colour ?? '#7a828e' } as React.CSSProperties} data-testid={`node-${id}`} data-status={status ?? ''}>
      <div className="node-head">
        <span className="node-kind">{definition?.title ?? data.node.kind}</span>
        {status ? (
          <span className={`pill pill-${status}`} data-testid={`node-status-${id}`}>
            {stepLabel(status, runEnded)}
          </span>
        ) : null}
        {nodeProblems ? (
          <span className="pill pill-problem" title={nodeProblems.map((problem) => problem.message).join('\n')} data-testid={`node-problems-${id}`}>
            {nodeProblems.length} {nodeProblems.length === 1 ? 'problem' : 'problems'}
          </span>
        ) : null}
      </div>
      <div className="node-title">
        <span className="node-label">{data.node.label || data.node.id}</span>
        <span className="node-id">{data.node.id}</span>
      </div>
      {data.ports.inputs.length + data.ports.outputs.length > 0 ? (
        <div className="node-ports">
          <div className="ports-col">
            {data.ports.inputs.map((port) => (
              <PortRow key={port.name} nodeId={id} port={port} direction="in" problems={portProblems(port.name)} connectable={!runMode} />
            ))}
          </div>
          <div className="ports-col ports-out">
            {data.ports.outputs.map((port) => (
              <PortRow key={port.name} nodeId={id} port={port} direction="out" problems={portProblems(port.name)} connectable={!runMode} />
            ))}
          </div>
        </div>
      ) : (
        <div className="node-muted node-empty">No ports: add fields in the inspector</div>
      )}
      {step && status !== 'pending' ? <NodeRunDetails step={step} isModel={data.node.kind === 'model'} /> : null}
      {status === 'waiting' && request ? <NodeWaiting nodeId={id} title={request.title} /> : null}
    </div>
  );
}

export const WeftNode = memo(WeftNodeView);
