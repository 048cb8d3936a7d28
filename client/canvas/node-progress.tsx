/** A step over many items while it runs: done, failed and in all, as a bar, and what its child runs cost so far. */
import { formatUsd } from '../lib/format.ts';

interface Props {
  nodeId: string;
  progress: { done: number; failed: number; total: number };
  /** The step's cost: its child runs' costs as they roll up (null: some are unpriced). */
  costUsd: number | null;
  final: boolean;
}

function percent(part: number, total: number): string {
  return `${total === 0 ? 0 : Math.min(100, (part / total) * 100)}%`;
}

export function NodeProgress({ nodeId, progress, costUsd, final }: Props) {
  // `done` counts the items that succeeded, `failed` the others that ended (server/executors/map.ts).
  const { done, failed, total } = progress;
  return (
    <div className="node-progress" data-testid={`node-progress-${nodeId}`}>
      <div className="node-progress-bar" role="progressbar" aria-valuemin={0} aria-valuemax={total} aria-valuenow={done + failed} aria-label="items ended">
        <span className="node-progress-done" style={{ width: percent(done, total) }} />
        <span className="node-progress-failed" style={{ width: percent(failed, total) }} />
      </div>
      <div className="node-progress-text">
        <span data-testid={`node-progress-count-${nodeId}`}>
          {done} / {total} done{failed > 0 ? ` · ${failed} failed` : ''}
        </span>
        <span className="node-cost" data-testid={`node-progress-cost-${nodeId}`}>
          {formatUsd(costUsd)}
          {final ? '' : ' so far'}
        </span>
      </div>
    </div>
  );
}
