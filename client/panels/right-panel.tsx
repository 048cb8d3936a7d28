/** The right-hand side: Inspect, Run, Evaluate, History, Approvals and Cost tabs. */
import { registry } from '../../shared/kinds/registry.ts';
import { flowIndex } from '../canvas/flow-mapping.ts';
import { useApprovals } from '../state/approvals-store.ts';
import { useRun } from '../state/run-store.ts';
import { useUi, type RightTab } from '../state/ui-store.ts';
import { ApprovalsInbox } from './approvals/approvals-inbox.tsx';
import { HistoryPanel } from './history/history-panel.tsx';
import { StepTrace } from './history/step-trace.tsx';
import { Inspector } from './inspector/inspector.tsx';
import { CostPanel } from './cost/cost-panel.tsx';
import { EvaluatePanel } from './evaluate/evaluate-panel.tsx';
import { NodeWhatIf } from './run/node-what-if.tsx';
import { RunPanel } from './run/run-panel.tsx';

function RunStepInspector() {
  const focused = useUi((state) => state.focusedStep);
  const step = useRun((state) => (focused ? state.run?.steps[focused] : undefined));
  const label = useRun((state) => (focused && state.run?.flow ? flowIndex(state.run.flow).nodes.get(focused)?.label : undefined));
  const kind = useRun((state) => (focused && state.run?.flow ? flowIndex(state.run.flow).nodes.get(focused)?.kind : undefined));
  const node = useRun((state) => (focused && state.run?.endedAt ? state.run.flow?.nodes.find((candidate) => candidate.id === focused) : undefined));
  const runId = useRun((state) => state.runId);
  if (!step) return <div className="panel-body muted small">Click a node to see what its step did: inputs, prompt and reply, outputs, cost and timings.</div>;
  return (
    <div className="panel-body">
      <StepTrace step={step} label={label} kind={kind} />
      {node && runId && registry.get(node.kind)?.streamsText ? <NodeWhatIf key={`${runId}-${node.id}`} runId={runId} node={node} /> : null}
    </div>
  );
}

const TABS: Array<{ id: RightTab; label: string }> = [
  { id: 'inspect', label: 'Inspect' },
  { id: 'run', label: 'Run' },
  { id: 'evaluate', label: 'Evaluate' },
  { id: 'history', label: 'History' },
  { id: 'approvals', label: 'Approvals' },
  { id: 'cost', label: 'Cost' },
];

export function RightPanel() {
  const tab = useUi((state) => state.rightTab);
  const setTab = useUi((state) => state.setRightTab);
  const runMode = useRun((state) => state.runId !== null);
  const waiting = useApprovals((state) => state.items.length);
  const startPage = useUi((state) => state.startPage);
  return (
    <aside className="right-panel">
      <nav className="tabs" role="tablist">
        {TABS.map((entry) => (
          <button key={entry.id} type="button" role="tab" aria-selected={tab === entry.id} className={`tab${tab === entry.id ? ' active' : ''}`} onClick={() => setTab(entry.id)} data-testid={`tab-${entry.id}`}>
            {entry.label}
            {entry.id === 'approvals' && waiting > 0 ? <span className="count count-warn">{waiting}</span> : null}
          </button>
        ))}
      </nav>
      <div className="tab-body">
        {startPage && !runMode && (tab === 'inspect' || tab === 'run') ? (
          <div className="panel-body muted small" data-testid="no-flow-open">
            No flow is open: open one or start a new one from the start page.
          </div>
        ) : (
          <>
            {tab === 'inspect' ? runMode ? <RunStepInspector /> : <Inspector /> : null}
            {tab === 'run' ? <RunPanel /> : null}
          </>
        )}
        {tab === 'evaluate' ? startPage ? <div className="panel-body muted small">Open a flow to evaluate it.</div> : <EvaluatePanel /> : null}
        {tab === 'history' ? <HistoryPanel /> : null}
        {tab === 'approvals' ? <ApprovalsInbox /> : null}
        {tab === 'cost' ? <CostPanel /> : null}
      </div>
    </aside>
  );
}
