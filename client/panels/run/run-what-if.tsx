/**
 * On a finished run: "Replay at $0" (model replies from its log) and "What if…" (change one node's
 * config and run again; steps before it are answered from the log at $0). The answer shows whether
 * the outputs are identical, which fields changed, and the cost delta step by step and in total.
 */
import { useState } from 'react';
import type { RunComparisonAnswer } from '../../../shared/wire/run-replay.ts';
import type { Flow } from '../../../shared/flow.ts';
import { registry } from '../../../shared/kinds/registry.ts';
import { api } from '../../api/api-client.ts';
import { formatUsd, prettyJson } from '../../lib/format.ts';
import { useComparison } from '../../state/comparison-store.ts';
import { useUi } from '../../state/ui-store.ts';
import { useComparisonCall } from './use-comparison-call.ts';

function signedUsd(usd: number): string {
  return usd > 0 ? `+${formatUsd(usd)}` : formatUsd(usd);
}

/** A value as typed: JSON when it parses (0.5, true), else the text itself (gpt-4o). */
function typedValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The outputs that changed, each as it was and as it is now. */
function OutputsDiff({ comparison }: { comparison: RunComparisonAnswer }) {
  if (comparison.outputs.changedFields.length === 0) return null;
  return (
    <div className="small" data-testid="comparison-outputs">
      {comparison.outputs.changedFields.map((field) => (
        <div key={field} className="comparison-field" data-testid={`comparison-output-${field}`}>
          <span className="mono">{field}</span>
          <pre className="code-block diff-removed">{prettyJson(comparison.outputs.original[field])}</pre>
          <pre className="code-block diff-added">{prettyJson(comparison.outputs.new[field])}</pre>
        </div>
      ))}
    </div>
  );
}

/** A replay's or what-if's answer: verdict, the outputs that changed, the cost delta in total and step by step (reused steps marked), and the two runs side by side on request. */
export function ComparisonView({ comparison }: { comparison: RunComparisonAnswer }) {
  return (
    <div className="callout" data-testid="run-comparison">
      <div data-testid="comparison-verdict">
        {comparison.identical ? 'Outputs identical' : `Outputs differ${comparison.outputs.changedFields.length > 0 ? `: ${comparison.outputs.changedFields.join(', ')}` : ` (${comparison.status}, was ${comparison.originalStatus})`}`}
      </div>
      <div className="small" data-testid="comparison-cost">
        Cost {formatUsd(comparison.cost.newUsd)} against {formatUsd(comparison.cost.originalUsd)}: {signedUsd(comparison.cost.deltaUsd)}
      </div>
      <div className="steps-table small" role="table">
        {comparison.cost.steps.map((step) => (
          <div className="step-row" role="row" key={step.nodeId} data-testid={`comparison-step-${step.nodeId}`}>
            <span className="mono step-id" role="cell">{step.nodeId}</span>
            <span role="cell">{comparison.reused.includes(step.nodeId) ? <span className="tag tag-reused">reused</span> : null}</span>
            <span className="num" role="cell">{signedUsd(step.deltaUsd)}</span>
          </div>
        ))}
      </div>
      <OutputsDiff comparison={comparison} />
      <button type="button" className="link-btn small" onClick={() => useUi.getState().openDialog({ type: 'compare-runs', left: comparison.originalRunId, right: comparison.runId })} data-testid="comparison-open">
        Compare the two runs side by side
      </button>
    </div>
  );
}

/** The config key a kind edits with the model picker (`editors` in its definition), if any. */
function modelKey(kind: string | undefined): string | undefined {
  const editors = kind ? registry.get(kind)?.editors : undefined;
  return editors ? Object.keys(editors).find((key) => editors[key] === 'model') : undefined;
}

export function RunWhatIf({ runId, flow }: { runId: string; flow: Flow }) {
  const comparison = useComparison((state) => state.comparison);
  const { busy, error, attempt } = useComparisonCall();
  const first = flow.nodes.find((node) => registry.get(node.kind)?.streamsText) ?? flow.nodes[0];
  const [nodeId, setNodeId] = useState(first?.id ?? '');
  // The field a what-if most often changes: the one its kind edits with the model picker.
  const [key, setKey] = useState(() => modelKey(first?.kind) ?? Object.keys(first?.config ?? {})[0] ?? '');
  const [value, setValue] = useState('');

  return (
    <div className="run-what-if" data-testid="run-what-if">
      <div className="section-title">Replay and what if</div>
      <button type="button" className="btn btn-small" disabled={busy} onClick={() => void attempt(() => api.replayRun(runId))} data-testid="replay-run">
        Replay at $0
      </button>
      <div className="muted small">
        Run it again with one setting changed: that node and every step after it run live (a model call costs money); the other steps are answered from this run&apos;s log at $0.
      </div>
      <div className="what-if-fields">
        <label className="form-row">
          <span className="form-label">Node</span>
          <select className="input input-small" value={nodeId} onChange={(event) => setNodeId(event.target.value)} data-testid="what-if-node">
            {flow.nodes.map((node) => (
              <option key={node.id} value={node.id}>{node.id}</option>
            ))}
          </select>
        </label>
        <label className="form-row">
          <span className="form-label">Setting</span>
          <input className="input input-small mono" value={key} onChange={(event) => setKey(event.target.value)} data-testid="what-if-key" />
        </label>
        <label className="form-row">
          <span className="form-label">New value</span>
          <input className="input input-small mono" value={value} placeholder="gpt-4o" onChange={(event) => setValue(event.target.value)} data-testid="what-if-value" />
        </label>
      </div>
      <button type="button" className="btn btn-small btn-primary" disabled={busy || value === '' || key === ''} onClick={() => void attempt(() => api.whatIf(runId, { [`${nodeId}.${key}`]: typedValue(value) }))} data-testid="what-if-run">
        What if…
      </button>
      {busy ? <div className="muted small">Running…</div> : null}
      {error ? <div className="error-text" data-testid="what-if-error">{error}</div> : null}
      {comparison && comparison.runId === runId ? <ComparisonView comparison={comparison} /> : null}
    </div>
  );
}
