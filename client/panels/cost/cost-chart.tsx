/** Spend per day as bars (an SVG the size of its container), each with its day and amount. */
import type { CostSummary } from '../../../shared/cost-summary.ts';
import { formatUsd } from '../../lib/format.ts';

const WIDTH = 280;
const HEIGHT = 90;

export function CostChart({ days }: { days: CostSummary['byDay'] }) {
  if (days.length === 0) return <div className="muted small" data-testid="cost-chart-empty">No model spend in this period.</div>;
  const highest = Math.max(...days.map((day) => day.usd), Number.EPSILON);
  const slot = WIDTH / days.length;
  const bar = Math.max(2, Math.min(28, slot - 4));
  return (
    <svg className="cost-chart" viewBox={`0 0 ${WIDTH} ${HEIGHT + 14}`} width="100%" role="img" aria-label="Spend per day" data-testid="cost-chart">
      {days.map((day, index) => {
        const height = Math.max(1, (day.usd / highest) * HEIGHT);
        return (
          <g key={day.day} data-testid={`cost-day-${day.day}`} data-usd={day.usd}>
            <title>{`${day.day}: ${formatUsd(day.usd)}`}</title>
            <rect x={index * slot + (slot - bar) / 2} y={HEIGHT - height} width={bar} height={height} rx={2} fill="#8a5cd0" />
          </g>
        );
      })}
      <text x={0} y={HEIGHT + 12} fontSize={10} fill="currentColor">
        {days[0]!.day}
      </text>
      {days.length > 1 ? (
        <text x={WIDTH} y={HEIGHT + 12} fontSize={10} textAnchor="end" fill="currentColor">
          {days.at(-1)!.day}
        </text>
      ) : null}
    </svg>
  );
}
