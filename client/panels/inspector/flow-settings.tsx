/** The flow itself, when no node is selected: name, description, budget, schedules, and every problem. */
import { documentStore, useDocument } from '../../state/document.ts';
import { useProblems } from '../../state/problems.ts';
import { useUi } from '../../state/ui-store.ts';
import type { FlowSettings as SettingsOfFlow } from '../../../shared/flow.ts';
import { NumberControl } from './field-controls.tsx';
import { FlowSchedules } from './flow-schedules.tsx';
import { ProblemsList } from './problems-list.tsx';

/** The settings with the budget set or cleared, keeping the rest (its schedules); none left is undefined. */
function withBudget(settings: SettingsOfFlow | undefined, budgetUsd: number | undefined): SettingsOfFlow | undefined {
  const { budgetUsd: _old, ...rest } = settings ?? {};
  const next = budgetUsd === undefined ? rest : { ...rest, budgetUsd };
  return Object.keys(next).length > 0 ? next : undefined;
}

export function FlowSettings() {
  const flow = useDocument((state) => state.flow);
  const problems = useProblems().all;
  const savedId = useDocument((state) => state.savedId);
  const commit = (patch: Record<string, unknown>, key: string) => {
    const store = documentStore.getState();
    const next = { ...store.flow, ...patch };
    for (const [name, value] of Object.entries(patch)) if (value === undefined) delete (next as Record<string, unknown>)[name];
    store.commit(next, { mergeKey: `flow:${key}` });
  };
  return (
    <div className="inspector" data-testid="flow-settings">
      <div className="section-title">Flow</div>
      <div className="form-row">
        <label className="form-label">Name</label>
        <input className="input" value={flow.name} onChange={(event) => commit({ name: event.target.value }, 'name')} data-testid="flow-name-input" />
      </div>
      <div className="form-row">
        <label className="form-label">Id</label>
        <div className="row gap-8">
          <span className="mono">{flow.id}</span>
          <button type="button" className="link-btn" onClick={() => useUi.getState().openDialog({ type: 'rename' })}>
            Rename…
          </button>
        </div>
        <div className="form-help" data-testid="flow-file">
          {savedId === flow.id ? `Saved as flows/${flow.id}.flow.json` : savedId === null ? `Not saved yet; Save asks for a name (flows/<id>.flow.json)` : `Save moves it to flows/${flow.id}.flow.json`}
        </div>
      </div>
      <div className="form-row">
        <label className="form-label">Description</label>
        <textarea className="input" rows={3} value={flow.description ?? ''} onChange={(event) => commit({ description: event.target.value || undefined }, 'description')} />
      </div>
      <div className="form-row">
        <label className="form-label">Budget (US dollars per run)</label>
        <NumberControl
          field={{ key: 'budgetUsd', label: 'Budget', control: 'number', integer: false, min: 0, optional: true }}
          value={flow.settings?.budgetUsd}
          onChange={(budgetUsd) => commit({ settings: withBudget(flow.settings, budgetUsd) }, 'budget')}
          testId="flow-budget"
          placeholder="no budget"
        />
        <div className="form-help">A model step that could push the run past this does not start.</div>
      </div>
      <FlowSchedules settings={flow.settings} />
      <div className="section-title">Problems {problems.length > 0 ? <span className="count count-bad">{problems.length}</span> : null}</div>
      <ProblemsList problems={problems} empty={flow.nodes.length === 0} />
    </div>
  );
}
