/** The selected node: id, label, config form and its problems. */
import { useEffect, useState } from 'react';
import { ID_PATTERN, ID_RULE } from '../../../shared/ids.ts';
import { registry } from '../../../shared/kinds/registry.ts';
import type { FlowNode } from '../../../shared/flow.ts';
import { documentStore } from '../../state/document.ts';
import { renameNode, updateConfig, updateNode } from '../../state/flow-edits.ts';
import { useProblems } from '../../state/problems.ts';
import { ConfigForm } from './config-form.tsx';
import { ProblemsList } from './problems-list.tsx';

function NodeIdField({ node }: { node: FlowNode }) {
  const [draft, setDraft] = useState(node.id);
  useEffect(() => setDraft(node.id), [node.id]);
  const taken = draft !== node.id && documentStore.getState().flow.nodes.some((other) => other.id === draft);
  const error = !ID_PATTERN.test(draft) ? `An id is ${ID_RULE}.` : taken ? `Another node is "${draft}".` : null;
  const apply = () => {
    if (error || draft === node.id) return setDraft(node.id);
    const store = documentStore.getState();
    store.commit(renameNode(store.flow, node.id, draft));
    store.select({ nodes: [draft], edges: [] });
  };
  return (
    <div className="form-row">
      <label className="form-label">Id</label>
      <input
        className={`input mono${error ? ' input-error' : ''}`}
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
        onBlur={apply}
        onKeyDown={(event) => event.key === 'Enter' && apply()}
        data-testid="inspector-id"
      />
      {error ? <div className="error-text small">{error}</div> : <div className="form-help">Wires name this id, e.g. "{node.id}.port".</div>}
    </div>
  );
}

export function NodeInspector({ node }: { node: FlowNode }) {
  const definition = registry.get(node.kind);
  const problems = useProblems().byNode.get(node.id) ?? [];
  const commitLabel = (label: string) => {
    const store = documentStore.getState();
    store.commit(updateNode(store.flow, node.id, { label }), { mergeKey: `${node.id}:label` });
  };
  const commitConfig = (config: Record<string, unknown>, key: string) => {
    const store = documentStore.getState();
    store.commit(updateConfig(store.flow, node.id, config), { mergeKey: `${node.id}:config.${key}` });
  };

  return (
    <div className="inspector" data-testid="node-inspector">
      <div className="inspector-head" style={{ '--accent': definition?.colour ?? '#7a828e' } as React.CSSProperties}>
        <span className="palette-swatch" />
        <div>
          <div className="inspector-kind">{definition?.title ?? node.kind}</div>
          <div className="muted small">{definition?.description}</div>
        </div>
      </div>
      <div className="form-row">
        <label className="form-label">Label</label>
        <input className="input" value={node.label ?? ''} placeholder={node.id} onChange={(event) => commitLabel(event.target.value)} data-testid="inspector-label" />
      </div>
      <NodeIdField node={node} />
      {problems.length > 0 ? <ProblemsList problems={problems} compact /> : null}
      {definition ? (
        <ConfigForm definition={definition} config={node.config} onChange={commitConfig} />
      ) : (
        <div className="error-text">Unknown kind "{node.kind}": its config cannot be edited here.</div>
      )}
    </div>
  );
}
