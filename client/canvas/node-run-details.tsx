/** What a node shows while a run is on the canvas: streamed text, timing, tokens and cost. */
import type { StepState } from '../../shared/run-state.ts';
import { formatCached, formatDuration, formatUsd, preview } from '../lib/format.ts';

export function NodeRunDetails({ step, isModel }: { step: StepState; isModel: boolean }) {
  const tail = step.text.length > 220 ? `…${step.text.slice(-220)}` : step.text;
  const hasCost = isModel && (step.inputTokens > 0 || step.outputTokens > 0 || step.costUsd === null);
  const hasOutputs = !isModel && step.outputs !== undefined && Object.keys(step.outputs).length > 0;
  const skipped = step.status === 'skipped' && step.skippedReason;
  const queued = step.status === 'running' && step.queued === true;
  if (!tail && !step.error && !skipped && !queued && !hasOutputs && step.durationMs === undefined && !hasCost) return null;
  return (
    <div className="node-run">
      {isModel && tail ? (
        <div className="node-stream" data-testid={`node-stream-${step.nodeId}`}>
          {tail}
          {step.status === 'running' ? <span className="caret" /> : null}
        </div>
      ) : null}
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
        {hasCost ? (
          <span>
            {step.inputTokens + step.outputTokens} tok
          </span>
        ) : null}
        {hasCost ? (
          <span className="node-cost" data-testid={`node-cost-${step.nodeId}`}>
            {formatUsd(step.costUsd)}
            {step.costFinal ? '' : '…'}
          </span>
        ) : null}
        {hasCost && step.cachedInputTokens ? <span data-testid={`node-cached-${step.nodeId}`}>{formatCached(step.cachedInputTokens, step.cachedSavingUsd)}</span> : null}
        {hasCost && step.simulated ? <span className="tag tag-sim">simulated</span> : null}
      </div>
    </div>
  );
}
