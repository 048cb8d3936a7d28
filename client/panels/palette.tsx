/** The palette of node kinds from the registry, grouped and searchable; drag onto the canvas or click to add. */
import { useReactFlow } from '@xyflow/react';
import { useState, type DragEvent } from 'react';
import type { PaletteGroup } from '../../shared/kinds/define-kind.ts';
import { registry } from '../../shared/kinds/registry.ts';
import { PALETTE_MIME } from '../canvas/flow-canvas.tsx';
import { documentStore } from '../state/document.ts';
import { addNode } from '../state/flow-edits.ts';
import { useRun } from '../state/run-store.ts';
import { useUi } from '../state/ui-store.ts';

const GROUP_ORDER: PaletteGroup[] = ['Flow', 'AI', 'Logic', 'People'];

export function Palette() {
  const [query, setQuery] = useState('');
  const runMode = useRun((state) => state.runId !== null);
  const { screenToFlowPosition } = useReactFlow();
  const needle = query.trim().toLowerCase();
  const kinds = registry.list().filter((kind) => !needle || `${kind.title} ${kind.kind} ${kind.description} ${kind.group} ${kind.keywords?.join(' ') ?? ''}`.toLowerCase().includes(needle));

  const addAtCentre = (kind: string) => {
    if (runMode) return;
    const rect = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
    const centre = rect ? screenToFlowPosition({ x: rect.left + rect.width / 2 - 110, y: rect.top + rect.height / 2 - 60 }) : { x: 0, y: 0 };
    const store = documentStore.getState();
    const offset = (store.flow.nodes.length % 5) * 24;
    const { flow, nodeId } = addNode(store.flow, kind, { x: centre.x + offset, y: centre.y + offset });
    store.commit(flow);
    store.select({ nodes: [nodeId], edges: [] });
    useUi.getState().setRightTab('inspect');
  };

  const onDragStart = (event: DragEvent, kind: string) => {
    event.dataTransfer.setData(PALETTE_MIME, kind);
    event.dataTransfer.effectAllowed = 'copy';
  };

  return (
    <section className="palette" aria-label="Node palette">
      <div className="section-title">Nodes</div>
      <input className="input" type="search" placeholder="Search nodes" value={query} onChange={(event) => setQuery(event.target.value)} data-testid="palette-search" />
      {GROUP_ORDER.map((group) => {
        const items = kinds.filter((kind) => kind.group === group);
        if (items.length === 0) return null;
        return (
          <div key={group} className="palette-group">
            <div className="palette-group-title">{group}</div>
            {items.map((kind) => (
              <div
                key={kind.kind}
                className={`palette-item${runMode ? ' disabled' : ''}`}
                draggable={!runMode}
                onDragStart={(event) => onDragStart(event, kind.kind)}
                onDoubleClick={() => addAtCentre(kind.kind)}
                onKeyDown={(event) => event.key === 'Enter' && addAtCentre(kind.kind)}
                tabIndex={0}
                role="button"
                title={`${kind.description}\nDrag onto the canvas, or double-click to add.`}
                style={{ '--accent': kind.colour } as React.CSSProperties}
                data-testid={`palette-item-${kind.kind}`}
              >
                <span className="palette-swatch" />
                <span className="palette-text">
                  <span className="palette-name">{kind.title}</span>
                  <span className="palette-desc">{kind.description}</span>
                </span>
              </div>
            ))}
          </div>
        );
      })}
      {kinds.length === 0 ? <div className="muted small">No node matches "{query}".</div> : null}
    </section>
  );
}
