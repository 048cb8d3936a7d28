/**
 * The Cost tab: what model steps spent (`GET /api/cost`), for the flow on the canvas or for every
 * flow: spend per day as a chart, by model and by step, the most expensive runs, cached tokens and
 * what they saved, and what each spend cap has left in its current period.
 */
import { useEffect, useState } from 'react';
import type { CostSummary } from '../../../shared/cost-summary.ts';
import { api } from '../../api/api-client.ts';
import { formatUsd, shortRunId } from '../../lib/format.ts';
import { useDocument } from '../../state/document.ts';
import { useRun } from '../../state/run-store.ts';
import { CostChart } from './cost-chart.tsx';

type Loaded = { status: 'loading' } | { status: 'ready'; summary: CostSummary } | { status: 'error'; message: string };

function CapsTable({ caps }: { caps: CostSummary['caps'] }) {
  if (caps.length === 0) return <div className="muted small">No spend caps: set settings.spendCaps on a flow, or WEFT_SPEND_CAP_DAY_USD on the server.</div>;
  return (
    <table className="table" data-testid="cost-caps">
      <tbody>
        {caps.map((cap) => {
          const id = `${cap.scope === 'flow' ? cap.flowId : 'server'}-${cap.period}`;
          return (
            <tr key={id} data-testid={`cost-cap-${id}`}>
              <td>
                {cap.scope === 'flow' ? cap.flowId : 'server'} · {cap.period} {cap.periodKey}
              </td>
              <td className="num muted">
                {formatUsd(cap.spentUsd)} of {formatUsd(cap.capUsd)}
              </td>
              <td className={`num ${cap.leftUsd <= 0 ? 'error-text' : 'ok-text'}`} data-testid={`cost-cap-left-${id}`}>
                {formatUsd(cap.leftUsd)} left
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Summary({ summary }: { summary: CostSummary }) {
  return (
    <>
      <div className="row between">
        <span>Total</span>
        <strong data-testid="cost-total">{formatUsd(summary.totalUsd)}</strong>
      </div>
      {summary.cachedInputTokens > 0 ? (
        <div className="muted small" data-testid="cost-cached">
          {summary.cachedInputTokens.toLocaleString('en-US')} prompt tokens cached, saved {formatUsd(summary.cachedSavingUsd)}
        </div>
      ) : null}
      <div className="section-title">Spend per day (UTC)</div>
      <CostChart days={summary.byDay} />
      <div className="section-title">Spend caps</div>
      <CapsTable caps={summary.caps} />
      <div className="section-title">By model</div>
      <table className="table" data-testid="cost-by-model">
        <tbody>
          {summary.byModel.map((row) => (
            <tr key={row.model}>
              <td>{row.model}</td>
              <td className="num muted small">{(row.inputTokens + row.outputTokens).toLocaleString('en-US')} tok</td>
              <td className="num">{formatUsd(row.usd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="section-title">By step</div>
      <table className="table" data-testid="cost-by-step">
        <tbody>
          {summary.byStep.map((row) => (
            <tr key={`${row.flowId}.${row.nodeId}`}>
              <td className="mono">{summary.flowId === undefined ? `${row.flowId}.${row.nodeId}` : row.nodeId}</td>
              <td className="num muted small">{row.attempts}×</td>
              <td className="num">{formatUsd(row.usd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="section-title">Most expensive runs</div>
      <table className="table" data-testid="cost-top-runs">
        <tbody>
          {summary.topRuns.map((row) => (
            <tr key={row.runId}>
              <td className="mono">{shortRunId(row.runId)}</td>
              <td className="muted small">{row.flowId}</td>
              <td className="num">{formatUsd(row.usd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function CostPanel() {
  const savedId = useDocument((state) => state.savedId);
  const [scope, setScope] = useState<'flow' | 'all'>('flow');
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' });
  // A run that ends changes the figures: read them again.
  const runStatus = useRun((state) => state.run?.status);
  const flowId = scope === 'flow' && savedId ? savedId : undefined;
  useEffect(() => {
    let cancelled = false;
    setLoaded({ status: 'loading' });
    api.cost(flowId).then(
      (summary) => !cancelled && setLoaded({ status: 'ready', summary }),
      (error: unknown) => !cancelled && setLoaded({ status: 'error', message: (error as Error).message }),
    );
    return () => {
      cancelled = true;
    };
  }, [flowId, runStatus]);
  return (
    <div className="panel-body" data-testid="cost-panel">
      <div className="row gap-8">
        <select className="input input-small" value={scope} onChange={(event) => setScope(event.target.value as 'flow' | 'all')} aria-label="Whose cost" data-testid="cost-scope">
          <option value="flow" disabled={!savedId}>
            {savedId ? `This flow (${savedId})` : 'This flow (not saved)'}
          </option>
          <option value="all">All flows</option>
        </select>
      </div>
      {loaded.status === 'loading' ? <div className="muted small">Loading…</div> : null}
      {loaded.status === 'error' ? <div className="error-text small">Cost unavailable: {loaded.message}</div> : null}
      {loaded.status === 'ready' ? <Summary summary={loaded.summary} /> : null}
    </div>
  );
}
