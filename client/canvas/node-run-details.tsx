/** What a node shows while a run is on the canvas: streamed text, timing, tokens and cost. */
import { useMemo, useState } from 'react';
import type { StepState } from '../../shared/run-state.ts';
import { formatCached, formatDuration, formatUsd, preview } from '../lib/format.ts';
import { openStepChildren } from '../state/child-navigation.ts';
import { NodeProgress } from './node-progress.tsx';
import { StreamedOutputView } from './streamed-output-view.tsx';

const TAIL_CHARS = 220;

interface Props {
  step: StepState;
  /** Set for kinds that stream text (`streamsText` in their definition): what a person reads of the text so far. */
  present?: (text: string) => string;
  label: string;
}

export function NodeRunDetails({ step, present, label }: Props) {
  const streams = present !== undefined;
  const [expanded, setExpanded] = useState(false);
  const shown = useMemo(() => (present && step.text ? present(step.text) : step.text), [present, step.text]);
  const tail = shown.length > TAIL_CHARS ? `…${shown.slice(-TAIL_CHARS)}` : shown;
  // Model steps spend, and so do steps whose child runs spend (their cost rolls up into the step).
  const hasCost = step.inputTokens > 0 || step.outputTokens > 0 || step.costUsd === null || (step.costUsd > 0 && (streams || step.children !== undefined));
  const progress = step.progress;
  const children = step.children?.length ?? 0;
  /** A step over items shows its cost beside its progress instead. */
  const metricsCost = hasCost && !progress;
  const hasOutputs = !streams && step.outputs !== undefined && Object.keys(step.outputs).length > 0;
  const skipped = step.status === 'skipped' && step.skippedReason;
  const queued = step.status === 'running' && step.queued === true;
  const running = step.status === 'running';
  if (!tail && !step.error && !skipped && !queued && !hasOutputs && step.durationMs === undefined && !hasCost && !progress && children === 0) return null;
  return (
    <div className="node-run">
      {progress ? <NodeProgress nodeId={step.nodeId} progress={progress} costUsd={step.costUsd} final={step.costFinal} /> : null}
      {children > 0 ? (
        <button type="button" className="link-btn nodrag node-expand" onClick={() => openStepChildren(step.nodeId)} data-testid={`node-children-${step.nodeId}`}>
          {progress ? `Item runs (${children})` : 'Open child run'}
        </button>
      ) : null}
      {streams && tail ? (
        <div className="node-stream" data-testid={`node-stream-${step.nodeId}`}>
          {tail}
          {running ? <span className="caret" /> : null}
        </div>
      ) : null}
      {streams && step.text ? (
        <button type="button" className="link-btn nodrag node-expand" onClick={() => setExpanded(true)} data-testid={`node-stream-expand-${step.nodeId}`}>
          Show all output
        </button>
      ) : null}
      {expanded ? <StreamedOutputView title={`Output of ${label}`} text={shown} raw={step.text} running={running} nodeId={step.nodeId} onClose={() => setExpanded(false)} /> : null}
      {queued ? (
        <div className="node-muted" data-testid={`node-queued-${step.nodeId}`}>
          queued: waiting for a sandbox worker
        </div>
      ) : null}
      {step.error ? <div className="node-error">{step.error.message}</div> : null}
      {skipped ? <div className="node-muted">{step.skippedReason}</div> : null}
      {hasOutputs ? <div className="node-muted mono">{preview(step.outputs, 90)}</div> : null}
      <div className="node-metrics">
        {step.durationMs !== undefined ? <span>{formatDuration(step.durationMs)}</span> : null}
        {metricsCost ? (
          <span>
            {step.inputTokens + step.outputTokens} tok
          </span>
        ) : null}
        {metricsCost ? (
          <span className="node-cost" data-testid={`node-cost-${step.nodeId}`}>
            {formatUsd(step.costUsd)}
            {step.costFinal ? '' : '…'}
          </span>
        ) : null}
        {metricsCost && step.cachedInputTokens ? <span data-testid={`node-cached-${step.nodeId}`}>{formatCached(step.cachedInputTokens, step.cachedSavingUsd)}</span> : null}
        {metricsCost && step.simulated ? <span className="tag tag-sim">simulated</span> : null}
        {step.reusedFrom !== undefined ? (
          <span className="tag tag-reused" title={`The reply was taken at $0 from run ${step.reusedFrom}`} data-testid={`node-reused-${step.nodeId}`}>
            reused
          </span>
        ) : null}
      </div>
    </div>
  );
}
