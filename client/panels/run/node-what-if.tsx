/**
 * "What if…" on one node of a finished run (in the step inspector): pick a config field of that
 * node (model, prompt, system message, temperature), give the new value, and run again. Steps
 * before the node are answered from the run's log at $0; the node and what follows it run live.
 * The answer is shown as in the Run tab (run-what-if.tsx): cost delta per step and in total, and
 * the outputs that changed.
 */
import { useState } from 'react';
import type { FlowNode } from '../../../shared/flow.ts';
import { api } from '../../api/api-client.ts';
import { useComparison } from '../../state/comparison-store.ts';
import { ComparisonView } from './run-what-if.tsx';
import { useComparisonCall } from './use-comparison-call.ts';

/** The config fields a what-if offers, and how a typed value becomes a config value. */
const FIELDS = [
  { key: 'model', label: 'Model', multiline: false, read: (text: string): unknown => text.trim() },
  { key: 'prompt', label: 'Prompt', multiline: true, read: (text: string): unknown => text },
  { key: 'system', label: 'System message', multiline: true, read: (text: string): unknown => text },
  { key: 'temperature', label: 'Temperature', multiline: false, read: (text: string): unknown => (text.trim() === '' || Number.isNaN(Number(text)) ? text : Number(text)) },
] as const;

function currentText(node: FlowNode, key: string): string {
  const value = node.config[key];
  return value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
}

export function NodeWhatIf({ runId, node }: { runId: string; node: FlowNode }) {
  const comparison = useComparison((state) => state.comparison);
  const [open, setOpen] = useState(false);
  const [key, setKey] = useState<(typeof FIELDS)[number]['key']>('model');
  const [value, setValue] = useState(currentText(node, 'model'));
  const { busy, error, attempt } = useComparisonCall();
  const field = FIELDS.find((candidate) => candidate.key === key)!;

  const run = () => attempt(() => api.whatIf(runId, { [`${node.id}.${key}`]: field.read(value) }));

  const shown = comparison && comparison.runId === runId ? <ComparisonView comparison={comparison} /> : null;
  if (!open) {
    return (
      <div className="trace-block">
        <button type="button" className="btn btn-small" onClick={() => setOpen(true)} data-testid="node-what-if">
          What if…
        </button>
        {shown}
      </div>
    );
  }
  return (
    <div className="trace-block" data-testid="node-what-if-form">
      <div className="trace-label">What if {node.id} had another…</div>
      <select
        aria-label="Config field"
        value={key}
        onChange={(event) => {
          const next = event.target.value as typeof key;
          setKey(next);
          setValue(currentText(node, next));
        }}
        data-testid="node-what-if-field"
      >
        {FIELDS.map((candidate) => (
          <option key={candidate.key} value={candidate.key}>{candidate.label}</option>
        ))}
      </select>
      {field.multiline ? (
        <textarea aria-label="New value" className="mono" rows={5} value={value} onChange={(event) => setValue(event.target.value)} data-testid="node-what-if-value" />
      ) : (
        <input aria-label="New value" className="mono" value={value} onChange={(event) => setValue(event.target.value)} data-testid="node-what-if-value" />
      )}
      <div className="row">
        <button type="button" className="btn btn-small btn-primary" disabled={busy || value.trim() === '' || value === currentText(node, key)} onClick={() => void run()} data-testid="node-what-if-run">
          {busy ? 'Running…' : 'Run what-if'}
        </button>
        <button type="button" className="btn btn-small" onClick={() => setOpen(false)}>
          Close
        </button>
      </div>
      {error ? <div className="error-text small" data-testid="node-what-if-error">{error}</div> : null}
      {shown}
    </div>
  );
}
