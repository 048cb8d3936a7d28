/**
 * The React Flow nodes of a flow, reusing a node object until its flow node, selection or size
 * changes (React Flow keeps its internal node, and its measured size, for unchanged objects).
 */
import { useMemo, useRef, useState } from 'react';
import type { NodeChange } from '@xyflow/react';
import type { Flow, FlowNode } from '../../shared/flow.ts';
import { toCanvasNode, type WeftCanvasNode } from './flow-mapping.ts';

type Size = { width: number; height: number };
interface Cached {
  source: FlowNode;
  selected: boolean;
  size: Size | undefined;
  node: WeftCanvasNode;
}

export function useCanvasNodes(flow: Flow, selected: ReadonlySet<string>) {
  const sizes = useRef(new Map<string, Size>());
  const cache = useRef(new Map<string, Cached>());
  const [sizeVersion, setSizeVersion] = useState(0);
  const selectedKey = [...selected].sort().join(',');

  const nodes = useMemo(() => {
    const next = new Map<string, Cached>();
    const list = flow.nodes.map((source) => {
      const isSelected = selected.has(source.id);
      const size = sizes.current.get(source.id);
      const cached = cache.current.get(source.id);
      const entry = cached && cached.source === source && cached.selected === isSelected && cached.size === size ? cached : { source, selected: isSelected, size, node: toCanvasNode(source, isSelected, size) };
      next.set(source.id, entry);
      return entry.node;
    });
    cache.current = next;
    return list;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [flow, selectedKey, sizeVersion]);

  /** Records measured sizes from React Flow's dimension changes; true when any changed. */
  const recordSizes = (changes: NodeChange<WeftCanvasNode>[]): void => {
    let changed = false;
    for (const change of changes) {
      if (change.type !== 'dimensions' || !change.dimensions) continue;
      const previous = sizes.current.get(change.id);
      if (previous && previous.width === change.dimensions.width && previous.height === change.dimensions.height) continue;
      sizes.current.set(change.id, { width: change.dimensions.width, height: change.dimensions.height });
      changed = true;
    }
    if (changed) setSizeVersion((version) => version + 1);
  };

  return { nodes, recordSizes, sizes: sizes.current };
}
