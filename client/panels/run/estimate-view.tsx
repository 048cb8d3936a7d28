/** Before a run: each model step's worst-case cost and the total against the budget. */
import type { Flow } from '../../../shared/flow.ts';
import { formatUsd } from '../../lib/format.ts';
import { useEstimate } from './use-estimate.ts';

/** `inputs`: the run inputs typed so far (the Run dialog), counted in the prompts they feed. */
export function EstimateView({ flow, inputs }: { flow: Flow; inputs?: Record<string, unknown> }) {
  const state = useEstimate(flow, inputs);
  const budget = flow.settings?.budgetUsd;
  return (
    <div className="estimate" data-testid="estimate">
      <div className="section-title">Worst-case cost before running</div>
      {state.status === 'invalid' ? <div className="muted small">Fix the flow's problems to see its cost estimate.</div> : null}
      {state.status === 'loading' || state.status === 'idle' ? <div className="muted small">Estimating…</div> : null}
      {state.status === 'error' ? <div className="error-text small">Estimate unavailable: {state.message}</div> : null}
      {state.status === 'ready' ? (
        <>
          {state.estimate.steps.length === 0 ? <div className="muted small">No model steps: this flow costs nothing to run.</div> : null}
          <table className="table">
            <tbody>
              {state.estimate.steps.map((step) => (
                <tr key={step.nodeId} data-testid={`estimate-step-${step.nodeId}`}>
                  <td className="mono">{step.nodeId}</td>
                  <td className="muted">{step.model}</td>
                  <td className="muted num small" title="prompt tokens + the step's output token cap" data-testid={`estimate-tokens-${step.nodeId}`}>
                    {step.promptTokens.toLocaleString('en-US')} + {step.maxTokens.toLocaleString('en-US')} tok
                    {step.maxInputTokens !== undefined ? (
                      <div className={step.context === 'too-long' ? 'error-text' : 'muted'} data-testid={`estimate-context-${step.nodeId}`}>
                        {step.context === 'too-long' ? `prompt over its ${step.maxInputTokens.toLocaleString('en-US')}-token limit: fails before sending` : step.context === 'truncated' ? `truncated to ${step.maxInputTokens.toLocaleString('en-US')} tok` : `limit ${step.maxInputTokens.toLocaleString('en-US')} tok`}
                      </div>
                    ) : null}
                  </td>
                  <td className="num">{formatUsd(step.worstCaseUsd)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <td colSpan={3}>Total (worst case)</td>
                <td className="num" data-testid="estimate-total">
                  <strong>{formatUsd(state.estimate.totalUsd)}</strong>
                </td>
              </tr>
              {budget !== undefined ? (
                <tr>
                  <td colSpan={3}>Budget</td>
                  <td className={`num ${state.estimate.fitsBudget === false ? 'error-text' : 'ok-text'}`}>
                    {formatUsd(budget)} {state.estimate.fitsBudget === false ? '· may not fit' : '· fits'}
                  </td>
                </tr>
              ) : null}
            </tfoot>
          </table>
          {state.estimate.steps.some((step) => step.simulated) ? <div className="muted small">Simulated models: these prices are what the real models would cost.</div> : null}
        </>
      ) : null}
    </div>
  );
}
