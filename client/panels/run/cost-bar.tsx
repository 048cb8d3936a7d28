/** The run's cost climbing against its budget. */
import { formatUsd } from '../../lib/format.ts';

export function CostBar({ costUsd, budgetUsd, estimateUsd, simulated, label = 'Cost' }: { costUsd: number; budgetUsd?: number | undefined; estimateUsd?: number | undefined; simulated: boolean; label?: string }) {
  const share = budgetUsd ? Math.min(1, costUsd / budgetUsd) : 0;
  const estimateShare = budgetUsd && estimateUsd !== undefined ? Math.min(1, estimateUsd / budgetUsd) : 0;
  const tone = share >= 0.9 ? 'bad' : share >= 0.6 ? 'warn' : 'ok';
  return (
    <div className="cost-bar" data-testid="budget-bar">
      <div className="cost-line">
        <span className="form-label">{label}</span>
        <strong className="cost-amount" data-testid="run-cost">
          {formatUsd(costUsd)}
        </strong>
        <span className="muted small">{budgetUsd !== undefined ? `of ${formatUsd(budgetUsd)} budget` : 'no budget set'}</span>
        {simulated ? <span className="tag tag-sim">simulated</span> : null}
      </div>
      {budgetUsd !== undefined ? (
        <div className="bar" role="meter" aria-valuemin={0} aria-valuemax={budgetUsd} aria-valuenow={costUsd} aria-label="Cost against budget">
          {estimateShare > 0 ? <div className="bar-estimate" style={{ width: `${estimateShare * 100}%` }} title="Worst case before the run" /> : null}
          <div className={`bar-fill bar-${tone}`} style={{ width: `${share * 100}%` }} />
        </div>
      ) : null}
    </div>
  );
}
