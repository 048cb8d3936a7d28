/** The Inspect tab: the selected node, several selected, or the flow's own settings. */
import { useDocument } from '../../state/document.ts';
import { FlowSettings } from './flow-settings.tsx';
import { NodeInspector } from './node-inspector.tsx';

export function Inspector() {
  const selected = useDocument((state) => state.selection.nodes);
  const node = useDocument((state) => (state.selection.nodes.length === 1 ? state.flow.nodes.find((candidate) => candidate.id === state.selection.nodes[0]) : undefined));
  if (node) return <NodeInspector key={node.id} node={node} />;
  if (selected.length > 1) {
    return (
      <div className="inspector">
        <div className="section-title">{selected.length} nodes selected</div>
        <p className="muted small">Drag to move them together, Ctrl/Cmd+C to copy, Delete to remove.</p>
      </div>
    );
  }
  return <FlowSettings />;
}
