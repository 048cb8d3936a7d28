/** The way back from a child (flow or run) to the parents it was opened from: "parent › child". */
import { shortRunId } from '../lib/format.ts';
import { goBackTo, openParentRun } from '../state/child-navigation.ts';
import { useDocument } from '../state/document.ts';
import { useRun } from '../state/run-store.ts';
import { useUi, type TrailStep } from '../state/ui-store.ts';

function stepText(step: TrailStep): string {
  return step.type === 'flow' ? step.name : `run ${shortRunId(step.runId)}${step.flowId ? ` (${step.flowId})` : ''}`;
}

export function Breadcrumb() {
  const trail = useUi((state) => state.trail);
  const flowName = useDocument((state) => state.flow.name);
  const runId = useRun((state) => state.runId);
  const runFlowId = useRun((state) => state.run?.flowId);
  const parentRunId = useRun((state) => state.run?.parent?.runId);
  // A child run opened some other way (its address, history) still names the run that started it.
  if (trail.length === 0 && runId && parentRunId) {
    return (
      <nav className="breadcrumb" aria-label="Started by" data-testid="breadcrumb">
        <span className="breadcrumb-step">
          <button type="button" className="link-btn" onClick={() => openParentRun(parentRunId)} data-testid="breadcrumb-parent" title={`Back to run ${parentRunId}`}>
            run {shortRunId(parentRunId)}
          </button>
          <span className="breadcrumb-sep" aria-hidden="true">›</span>
        </span>
        <span className="breadcrumb-here" data-testid="breadcrumb-here">
          run {shortRunId(runId)}
          {runFlowId ? ` (${runFlowId})` : ''}
        </span>
      </nav>
    );
  }
  if (trail.length === 0) return null;
  const here = runId ? `run ${shortRunId(runId)}${runFlowId ? ` (${runFlowId})` : ''}` : flowName;
  return (
    <nav className="breadcrumb" aria-label="Opened from" data-testid="breadcrumb">
      {trail.map((step, index) => (
        <span key={index} className="breadcrumb-step">
          <button type="button" className="link-btn" onClick={() => goBackTo(index)} data-testid={`breadcrumb-${index}`} title={step.type === 'flow' ? `Back to ${step.flowId}` : `Back to run ${step.runId}`}>
            {stepText(step)}
          </button>
          <span className="breadcrumb-sep" aria-hidden="true">›</span>
        </span>
      ))}
      <span className="breadcrumb-here" data-testid="breadcrumb-here">
        {here}
      </span>
    </nav>
  );
}
