/**
 * "Save as case" on a finished run of the open flow: its inputs, with its status and outputs as the
 * expectation (to edit in the Evaluate tab), appended to the flow's cases file under a name.
 */
import { useState } from 'react';
import type { RunState } from '../../../shared/run-state.ts';
import { caseFromRun, useEvaluation } from '../../state/evaluation-store.ts';
import { useUi } from '../../state/ui-store.ts';

export function SaveAsCase({ run }: { run: RunState }) {
  const [name, setName] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const save = async () => {
    const store = useEvaluation.getState();
    setBusy(true);
    await store.load(run.flowId);
    const loaded = useEvaluation.getState();
    if (loaded.error) {
      setBusy(false);
      useUi.getState().notify(loaded.error, 'error');
      return;
    }
    const chosen = name?.trim() ?? '';
    const saved = await loaded.save([...loaded.cases, caseFromRun(run, chosen)]);
    setBusy(false);
    if (saved) {
      setName(undefined);
      useUi.getState().notify(`Saved case "${chosen}"`, 'success');
      useUi.getState().setRightTab('evaluate');
    } else {
      useUi.getState().notify(useEvaluation.getState().error ?? 'the case was not saved', 'error');
    }
  };
  if (name === undefined) {
    return (
      <button type="button" className="btn btn-small" onClick={() => setName(`case ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`)} data-testid="save-as-case">
        Save as case
      </button>
    );
  }
  return (
    <div className="row" data-testid="save-as-case-form">
      <input aria-label="Case name" value={name} onChange={(event) => setName(event.target.value)} data-testid="case-name" />
      <button type="button" className="btn btn-small btn-primary" disabled={busy || name.trim() === ''} onClick={() => void save()} data-testid="save-case">
        Save
      </button>
      <button type="button" className="btn btn-small" onClick={() => setName(undefined)}>
        Cancel
      </button>
    </div>
  );
}
