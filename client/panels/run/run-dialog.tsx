/** Asks for the run's inputs (a form from `runInputFields`), then starts the run. */
import { useMemo, useState } from 'react';
import { runInputFields } from '../../../shared/run-inputs.ts';
import { PORT_COLOURS } from '../../../shared/ports.ts';
import { Modal } from '../dialogs/modal.tsx';
import { useDirty, useDocument } from '../../state/document.ts';
import { useProblems } from '../../state/problems.ts';
import { startRun } from '../../state/run-actions.ts';
import { useUi } from '../../state/ui-store.ts';
import { EstimateView } from './estimate-view.tsx';
import { defaultDraft, readInputs, rememberDrafts, rememberedDrafts, type Drafts } from './run-inputs.ts';

export function RunDialog() {
  const flow = useDocument((state) => state.flow);
  const dirty = useDirty();
  const problems = useProblems().all;
  const fields = useMemo(() => runInputFields(flow), [flow]);
  const [drafts, setDrafts] = useState<Drafts>(() => rememberedDrafts(flow.id));
  const [shown, setShown] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  // What the estimate counts: the inputs typed so far (fields that do not parse yet are left out).
  const typedInputs = useMemo(() => readInputs(flow, drafts).inputs, [flow, drafts]);
  const close = useUi((state) => state.closeDialog);
  const empty = flow.nodes.length === 0;
  const blocked = empty || problems.length > 0;

  const submit = async () => {
    if (blocked) return;
    const { inputs, problems: inputProblems } = readInputs(flow, drafts);
    setShown(inputProblems);
    if (Object.keys(inputProblems).length > 0) return;
    setBusy(true);
    rememberDrafts(flow.id, drafts);
    const runId = await startRun(inputs);
    setBusy(false);
    if (runId) close();
  };

  return (
    <Modal title={`Run "${flow.name}"`} onClose={close} testId="run-dialog" wide>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        {empty ? (
          <div className="callout callout-bad" data-testid="run-blocked">
            This flow has no steps yet: drag an Input, a Model and an Output from the palette and wire them.
          </div>
        ) : problems.length > 0 ? (
          <div className="callout callout-bad" data-testid="run-blocked">
            Fix {problems.length === 1 ? 'this problem' : `these ${problems.length} problems`} before running (the Inspect tab shows where):
            <ul className="problems compact">
              {problems.slice(0, 3).map((problem, index) => (
                <li key={index}>{problem.message}</li>
              ))}
            </ul>
          </div>
        ) : null}
        {dirty ? <div className="callout">Runs the flow as it is in the editor, unsaved changes included.</div> : null}
        {fields.length === 0 ? <p className="muted">This flow takes no inputs.</p> : null}
        {fields.map((field) => {
          const value = drafts[field.name] ?? defaultDraft(field);
          const set = (next: string) => setDrafts({ ...drafts, [field.name]: next });
          const testId = `run-input-${field.name}`;
          return (
            <div key={field.name} className="form-row">
              <label className="form-label">
                {field.name} <span style={{ color: PORT_COLOURS[field.type] }}>· {field.type}</span>
              </label>
              {field.type === 'boolean' ? (
                <label className="checkbox">
                  <input type="checkbox" checked={value === 'true'} onChange={(event) => set(String(event.target.checked))} data-testid={testId} />
                  <span>{value === 'true' ? 'true' : 'false'}</span>
                </label>
              ) : field.type === 'number' ? (
                <input className="input" type="number" step="any" value={value} onChange={(event) => set(event.target.value)} data-testid={testId} />
              ) : (
                <textarea className={`input${field.type === 'string' ? '' : ' mono'}`} rows={field.type === 'string' ? 3 : 5} value={value} onChange={(event) => set(event.target.value)} data-testid={testId} />
              )}
              {field.description ? <div className="form-help">{field.description}</div> : null}
              {shown[field.name] ? <div className="error-text small">{shown[field.name]}</div> : null}
            </div>
          );
        })}
        {blocked ? null : <EstimateView flow={flow} inputs={typedInputs} />}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={close}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy || blocked} data-testid="run-submit">
            {busy ? 'Starting…' : 'Start run'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
