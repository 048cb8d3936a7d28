/**
 * The React Flow nodes of a flow. A node object is reused until what it shows changes (its kind,
 * label, config, position or selection), so React Flow keeps its internal node, and the size it
 * measured, for every other node; the list itself is reused when no node changed. React Flow owns
 * measured sizes: a rebuilt node carries the size React Flow last measured, so it is neither
 * hidden nor measured again. A node React Flow has never measured carries an estimate of its size
 * and of where its handles are (from its ports, as styles.css lays a node out): React Flow then
 * knows which nodes are in view without drawing every node once to measure it, draws only those
 * (`onlyRenderVisibleElements`), and measures each as it is drawn, replacing the estimate.
 */
import { Position, type NodeHandle } from '@xyflow/react';
import type { FlowNode, Flow } from '../../shared/flow.ts';
import { registry } from '../../shared/kinds/registry.ts';
import { handleId, toCanvasNode, toCanvasNodeData, type WeftCanvasNode, type WeftNodeData } from './flow-mapping.ts';

export type Size = { width: number; height: number };

interface Entry {
  source: FlowNode;
  selected: boolean;
  /** What was known of called flows when its data was made (state/called-flows.ts). */
  version: number;
  node: WeftCanvasNode;
}

/** Whether a node's ports come from the flows it calls, so they change when those are read. */
function callsFlows(kind: string): boolean {
  return registry.get(kind)?.calls !== undefined;
}

/** Node box parts in px, as in styles.css (.weft-node borders, .node-head, .node-title, .node-summary, .node-ports, .port, .port-handle, .node-empty). */
const NODE_WIDTH = 240;
const BORDER_TOP = 4;
const BORDER_SIDE = 1;
const HEAD_AND_TITLE = 32 + 31;
const PORTS_PADDING = 4;
const PORT_ROW = 24;
const HANDLE = 12;
const NO_PORTS = 33;
const SUMMARY_PADDING_AND_BORDER = 4 + 5 + 1;
const SUMMARY_LINE = 16;

/** The kind's summary lines under the title, when it has any. */
function summaryHeight(data: WeftNodeData): number {
  return data.summary.length > 0 ? SUMMARY_PADDING_AND_BORDER + data.summary.length * SUMMARY_LINE : 0;
}

/** The size a node is drawn at, before React Flow has measured it. */
export function estimatedSize(data: WeftNodeData): Size {
  const rows = Math.max(data.ports.inputs.length, data.ports.outputs.length);
  return { width: NODE_WIDTH, height: BORDER_TOP + HEAD_AND_TITLE + summaryHeight(data) + (rows > 0 ? 2 * PORTS_PADDING + rows * PORT_ROW : NO_PORTS) + BORDER_SIDE };
}

/** Where a node's handles are, before React Flow has measured them: one per port row, centred on the node's side. */
export function estimatedHandles(data: WeftNodeData, size: Size): NodeHandle[] {
  const top = BORDER_TOP + HEAD_AND_TITLE + summaryHeight(data) + PORTS_PADDING + PORT_ROW / 2 - HANDLE / 2;
  const handles: NodeHandle[] = data.ports.inputs.map((port, row) => ({ id: handleId('in', port.name), type: 'target', position: Position.Left, x: BORDER_SIDE - HANDLE / 2, y: top + row * PORT_ROW, width: HANDLE, height: HANDLE }));
  for (const [row, port] of data.ports.outputs.entries()) {
    handles.push({ id: handleId('out', port.name), type: 'source', position: Position.Right, x: size.width - BORDER_SIDE - HANDLE / 2, y: top + row * PORT_ROW, width: HANDLE, height: HANDLE });
  }
  return handles;
}

function sameConfig(a: FlowNode['config'], b: FlowNode['config']): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** Whether two versions of a node draw the same body (a run's pinned copy of the editor's node does). */
export function sameNodeData(a: FlowNode, b: FlowNode): boolean {
  return a === b || (a.kind === b.kind && a.label === b.label && sameConfig(a.config, b.config));
}

function samePosition(a: FlowNode, b: FlowNode): boolean {
  return a.position.x === b.position.x && a.position.y === b.position.y;
}

/** What React Flow knows of a node: its size, when it has one. */
export type MeasuredOf = (nodeId: string) => Size | undefined;

/** `version`: what is known of the flows nodes call (state/called-flows.ts); a calling node is redrawn when it changes. */
export type NodeMapper = (flow: Flow, selected: ReadonlySet<string>, measuredOf: MeasuredOf, version?: number) => WeftCanvasNode[];

export function createNodeMapper(): NodeMapper {
  let cache = new Map<string, Entry>();
  let previous: WeftCanvasNode[] = [];
  return (flow, selected, measuredOf, version = 0) => {
    const next = new Map<string, Entry>();
    let changed = flow.nodes.length !== previous.length;
    const list = flow.nodes.map((source, index) => {
      const isSelected = selected.has(source.id);
      const cached = cache.get(source.id);
      const entry = cached && (cached.version === version || !callsFlows(source.kind)) ? cached : undefined;
      let node: WeftCanvasNode;
      if (entry && entry.selected === isSelected && (entry.source === source || (samePosition(entry.source, source) && sameNodeData(entry.source, source)))) {
        node = entry.node;
      } else {
        const data = entry && sameNodeData(entry.source, source) ? entry.node.data : toCanvasNodeData(source);
        const measured = cached ? measuredOf(source.id) : undefined;
        if (measured) node = toCanvasNode(source, isSelected, measured, data);
        else {
          // Handles given with a node replace what React Flow measured, so only a node it has never
          // sized gets the estimate; a rebuilt node carries the size and keeps the measured handles.
          const size = estimatedSize(data);
          node = { ...toCanvasNode(source, isSelected, size, data), handles: estimatedHandles(data, size) };
        }
      }
      next.set(source.id, { source, selected: isSelected, version, node });
      if (previous[index] !== node) changed = true;
      return node;
    });
    cache = next;
    if (changed) previous = list;
    return previous;
  };
}
