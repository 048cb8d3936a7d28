/** Everything one step did: inputs, prompt and reply, outputs, tokens, cost, timings, logs, decision. */
import { answerText, waitTitle } from '../../../shared/kinds/registry.ts';
import type { StepState } from '../../../shared/run-state.ts';
import { formatCached, formatDuration, formatTokens, formatUsd, prettyJson, shortRunId, STEP_LABELS } from '../../lib/format.ts';

function Block({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div className="trace-block">
      <div className="trace-label">{title}</div>
      {children}
    </div>
  );
}

function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `kind`: the node's kind, which says how its wait and answer read. */
export function StepTrace({ step, label, kind = '' }: { step: StepState; label?: string | undefined; kind?: string | undefined }) {
  return (
    <div className="trace-step" data-testid={`trace-${step.nodeId}`}>
      <div className="row between">
        <strong>
          {label ?? step.nodeId} <span className="mono muted small">{step.nodeId}</span>
        </strong>
        <span className={`pill pill-${step.status}`}>{STEP_LABELS[step.status]}</span>
      </div>
      <div className="trace-meta muted small">
        {step.reusedFrom !== undefined ? (
          <span className="tag tag-reused" data-testid={`trace-reused-${step.nodeId}`}>
            reused from run {shortRunId(step.reusedFrom)} at $0
          </span>
        ) : null}
        {step.attempt > 1 ? <span>attempt {step.attempt}</span> : null}
        {step.startedAt ? <span>started {new Date(step.startedAt).toLocaleTimeString()}</span> : null}
        {step.durationMs !== undefined ? <span>{formatDuration(step.durationMs)}</span> : null}
        {step.model ? <span>{step.model}</span> : null}
        {step.inputTokens + step.outputTokens > 0 ? <span>{formatTokens(step.inputTokens, step.outputTokens)}</span> : null}
        {step.cachedInputTokens ? <span data-testid={`trace-cached-${step.nodeId}`}>{formatCached(step.cachedInputTokens, step.cachedSavingUsd)}</span> : null}
        {step.model ? (
          <span>
            {formatUsd(step.costUsd)}
            {step.simulated ? ' (simulated)' : ''}
          </span>
        ) : null}
      </div>
      {step.inputs && Object.keys(step.inputs).length > 0 ? (
        <Block title="Inputs">
          <pre className="code-block">{prettyJson(step.inputs)}</pre>
        </Block>
      ) : null}
      {step.prompt ? (
        <Block title={`Prompt${step.prompt.simulated ? ' · simulated model' : ''}`}>
          {step.prompt.messages.map((message, index) => (
            <div key={index} className="message">
              <span className="message-role">{message.role}</span>
              <pre className="code-block">{message.content}</pre>
            </div>
          ))}
        </Block>
      ) : null}
      {step.text ? (
        <Block title="Reply">
          <pre className="code-block">{step.text}</pre>
        </Block>
      ) : null}
      {step.request !== undefined ? (
        <Block title="Asked">
          <div>{waitTitle(kind, step.request)}</div>
          <pre className="code-block">{prettyJson(step.request)}</pre>
        </Block>
      ) : null}
      {step.decision ? (
        <Block title="Decision">
          <div data-testid={`trace-decision-${step.nodeId}`}>{sentence(answerText(kind, step.decision.answer, step.decision.by))}</div>
        </Block>
      ) : null}
      {step.outputs && Object.keys(step.outputs).length > 0 ? (
        <Block title="Outputs">
          <pre className="code-block">{prettyJson(step.outputs)}</pre>
        </Block>
      ) : null}
      {step.error ? (
        <Block title="Error">
          <div className="error-text">
            {step.error.message} <span className="mono small">({step.error.code})</span>
          </div>
        </Block>
      ) : null}
      {step.skippedReason ? <div className="muted small">Skipped: {step.skippedReason}</div> : null}
      {step.logs.length > 0 ? (
        <Block title="Logs">
          <pre className="code-block">{step.logs.map((log) => `[${log.level}] ${log.text}`).join('\n')}</pre>
        </Block>
      ) : null}
    </div>
  );
}
