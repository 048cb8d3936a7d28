/**
 * A flow node on the canvas: kind and label, typed ports, problems, and its step while a run is
 * shown. Each node selects its own problems and its own step from the stores, so an edit or a run
 * event re-renders only the nodes it concerns.
 */
import { useUpdateNodeInternals, type NodeProps } from '@xyflow/react';
import { memo, useCallback, useEffect, useMemo, useRef } from 'react';
import { registry, waitsForPerson, waitTitle } from '../../shared/kinds/registry.ts';
import type { StepState } from '../../shared/run-state.ts';
import type { PortSpec } from '../../shared/ports.ts';
import type { Problem } from '../../shared/validate.ts';
import { stepLabel } from '../lib/format.ts';
import { useCalledFlows } from '../state/called-flows.ts';
import { useDocument } from '../state/document.ts';
import { problemsOf } from '../state/problems.ts';
import { useRun } from '../state/run-store.ts';
import { useCanvasContext } from './canvas-context.ts';
import type { WeftCanvasNode } from './flow-mapping.ts';
import { NodeRunDetails } from './node-run-details.tsx';
import { NodeWaiting } from './node-waiting.tsx';
import { PortRow } from './port-row.tsx';

function useStep(id: string, runMode: boolean): StepState | undefined {
  return useRun((state) => (runMode && state.run && Object.hasOwn(state.run.steps, id) ? state.run.steps[id] : undefined));
}

/**
 * Wired ports the node no longer has (a port of a child flow that was removed, a renamed field):
 * the validator names them (`missing-port`), and the node keeps drawing them, flagged, so their
 * wires stay in view until a person moves or deletes them.
 */
function vanishedPorts(id: string, problems: Problem[] | undefined): { inputs: PortSpec[]; outputs: PortSpec[] } {
  const inputs: PortSpec[] = [];
  const outputs: PortSpec[] = [];
  for (const problem of problems ?? []) {
    if (problem.rule !== 'missing-port' || !problem.port || !problem.edge) continue;
    const side = problem.edge.to === `${id}.${problem.port}` ? inputs : outputs;
    if (side.some((port) => port.name === problem.port)) continue;
    side.push({ name: problem.port, type: 'any', required: false, description: `This port is gone: ${problem.message}` });
  }
  return { inputs, outputs };
}

function portProblems(problems: Problem[] | undefined, name: string): Problem[] | undefined {
  if (!problems) return undefined;
  const own = problems.filter((problem) => problem.port === name);
  return own.length > 0 ? own : undefined;
}

function WeftNodeView({ id, data, selected }: NodeProps<WeftCanvasNode>) {
  const { runMode } = useCanvasContext();
  const step = useStep(id, runMode);
  const runEnded = useRun((state) => runMode && state.run?.endedAt !== undefined);
  useCalledFlows((state) => state.version); // problems change as the flows nodes call are read
  const nodeProblems = useDocument((state) => (runMode ? undefined : problemsOf(state.flow).byNode.get(id)));
  const definition = registry.get(data.kind);
  const vanished = useMemo(() => vanishedPorts(id, nodeProblems), [id, nodeProblems]);

  // React Flow measures handles when it first measures the node; after that, a port added,
  // removed or renamed moves the handles, which it is told about here.
  const updateNodeInternals = useUpdateNodeInternals();
  const portKey = [...data.ports.inputs, ...vanished.inputs].map((port) => `i${port.name}`).concat([...data.ports.outputs, ...vanished.outputs].map((port) => `o${port.name}`)).join('|');
  const measuredPorts = useRef(portKey);
  useEffect(() => {
    if (measuredPorts.current === portKey) return;
    measuredPorts.current = portKey;
    updateNodeInternals(id);
  }, [id, portKey, updateNodeInternals]);

  const streamed = definition?.streamsText;
  const config = data.config;
  const presentText = useCallback((text: string) => {
    try {
      return streamed ? streamed.present(config as never, text) : text;
    } catch {
      return text; // a config its kind's schema refuses: the text as it came
    }
  }, [streamed, config]);

  const status = step?.status;
  const classes = ['weft-node', selected ? 'selected' : '', nodeProblems ? 'has-problems' : '', status ? `status-${status}` : ''].filter(Boolean).join(' ');
  const summary = data.summary;

  return (
    <div className={classes} style={{ '--accent': definition?.colour ?? '#7a828e' } as React.CSSProperties} data-testid={`node-${id}`} data-status={status ?? ''}>
      <div className="node-head">
        <span className="node-kind">{definition?.title ?? data.kind}</span>
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
        <span className="node-label">{data.label || id}</span>
        <span className="node-id">{id}</span>
      </div>
      {summary.length > 0 ? (
        <div className="node-summary" data-testid={`node-summary-${id}`}>
          {summary.map((line, index) => (
            <div key={index} className="node-muted node-summary-line">
              {line}
            </div>
          ))}
        </div>
      ) : null}
      {data.ports.inputs.length + data.ports.outputs.length + vanished.inputs.length + vanished.outputs.length > 0 ? (
        <div className="node-ports">
          <div className="ports-col">
            {data.ports.inputs.map((port) => (
              <PortRow key={port.name} nodeId={id} port={port} direction="in" problems={portProblems(nodeProblems, port.name)} connectable={!runMode} />
            ))}
            {vanished.inputs.map((port) => (
              <PortRow key={`gone-${port.name}`} nodeId={id} port={port} direction="in" problems={portProblems(nodeProblems, port.name)} connectable={false} vanished />
            ))}
          </div>
          <div className="ports-col ports-out">
            {data.ports.outputs.map((port) => (
              <PortRow key={port.name} nodeId={id} port={port} direction="out" problems={portProblems(nodeProblems, port.name)} connectable={!runMode} />
            ))}
            {vanished.outputs.map((port) => (
              <PortRow key={`gone-${port.name}`} nodeId={id} port={port} direction="out" problems={portProblems(nodeProblems, port.name)} connectable={false} vanished />
            ))}
          </div>
        </div>
      ) : (
        <div className="node-muted node-empty">No ports: add fields in the inspector</div>
      )}
      <div className="node-overview" aria-hidden="true" data-testid={`node-overview-${id}`}>
        <span className="node-overview-kind">{definition?.title ?? data.kind}</span>
        <span className="node-overview-label">{data.label || id}</span>
        {summary[0] ? <span className="node-overview-summary">{summary[0]}</span> : null}
      </div>
      {step && status !== 'pending' ? <NodeRunDetails step={step} present={streamed ? presentText : undefined} label={data.label || id} /> : null}
      {status === 'waiting' && step?.request !== undefined && waitsForPerson(data.kind) ? <NodeWaiting nodeId={id} title={waitTitle(data.kind, step.request)} /> : null}
    </div>
  );
}

/**
 * Re-renders for what the node draws only: not for the size React Flow measured, nor for a move
 * (React Flow positions the wrapper), so measuring or dragging nodes does not re-render their bodies.
 */
function sameBody(previous: NodeProps<WeftCanvasNode>, next: NodeProps<WeftCanvasNode>): boolean {
  return previous.id === next.id && previous.data === next.data && previous.selected === next.selected;
}

export const WeftNode = memo(WeftNodeView, sameBody);
