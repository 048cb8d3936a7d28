/**
 * An evaluation's results: one row per case, one column per variant (the flow as saved, and the
 * variant beside it), each with its verdict and first difference, cost, duration and unsure; the
 * cases whose verdict changed are marked, and each variant's totals close the table.
 */
import type { EvaluationAnswer, EvaluationVariant } from '../../../shared/wire/evaluation.ts';
import { formatDuration, formatUsd } from '../../lib/format.ts';

function percent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

function CaseCell({ variant, name, index }: { variant: EvaluationVariant; name: string; index: number }) {
  const result = variant.results.find((candidate) => candidate.name === name);
  if (!result) return <td className="muted small">…</td>;
  return (
    <td data-testid={`result-${index}-${name}`}>
      <span className={`pill ${result.passed ? 'pill-succeeded' : 'pill-failed'}`}>{result.passed ? 'pass' : 'fail'}</span>
      {result.unsure ? <span className="tag">unsure</span> : null}
      <div className="small muted">
        {formatUsd(result.costUsd)} · {formatDuration(result.durationMs)}
      </div>
      {result.differences[0] ? <div className="small error-text eval-difference">{result.differences[0]}</div> : null}
    </td>
  );
}

export function EvaluationResults({ evaluation, names }: { evaluation: EvaluationAnswer; names: readonly string[] }) {
  const done = evaluation.variants.reduce((sum, variant) => sum + variant.results.length, 0);
  const total = evaluation.caseCount * evaluation.variants.length;
  return (
    <div data-testid="evaluation-results">
      <div className="section-title">
        Results
        <span className="muted" data-testid="evaluation-status">
          {evaluation.status === 'running' ? `running ${done}/${total}` : evaluation.status}
          {evaluation.simulated ? ' · simulated' : ''}
        </span>
      </div>
      {evaluation.error ? <div className="error-text">{evaluation.error}</div> : null}
      <table className="eval-table">
        <thead>
          <tr>
            <th>Case</th>
            {evaluation.variants.map((variant) => (
              <th key={variant.label} className="mono">{variant.label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {names.map((name) => (
            <tr key={name} data-testid={`result-row-${name}`}>
              <td>
                {name}
                {evaluation.changed.includes(name) ? <span className="tag tag-warn" data-testid={`changed-${name}`}>changed</span> : null}
              </td>
              {evaluation.variants.map((variant, index) => (
                <CaseCell key={variant.label} variant={variant} name={name} index={index} />
              ))}
            </tr>
          ))}
          <tr className="eval-totals">
            <td>Totals</td>
            {evaluation.variants.map((variant, index) => (
              <td key={variant.label} data-testid={`totals-${index}`}>
                <div>
                  {variant.summary.passed}/{variant.summary.cases} passed ({percent(variant.summary.passRate)})
                </div>
                <div className="small muted">
                  {formatUsd(variant.summary.totalCostUsd)} · p50 {formatDuration(variant.summary.p50DurationMs)} · unsure {percent(variant.summary.unsureRate)}
                </div>
              </td>
            ))}
          </tr>
        </tbody>
      </table>
      {evaluation.status === 'finished' && evaluation.variants.length === 2 ? (
        <div className="small" data-testid="evaluation-changed">
          {evaluation.changed.length === 0 ? 'No case changed verdict.' : `Changed verdict: ${evaluation.changed.join(', ')}`}
        </div>
      ) : null}
    </div>
  );
}
