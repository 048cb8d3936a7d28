/**
 * The Evaluate tab: the open flow's cases (`<id>.cases.jsonl`, edited here and saved back whole),
 * and an evaluation of them, as saved or beside a variant such as `classify.model=gpt-4o`. Live
 * model calls cost money, so running shows the estimate first and asks again.
 */
import { useEffect, useState } from 'react';
import { evaluationCaseSchema, type EvaluationCase } from '../../../shared/cases.ts';
import type { EvaluationBody } from '../../../shared/wire/evaluation.ts';
import { formatUsd, preview } from '../../lib/format.ts';
import { useDirty, useDocument } from '../../state/document.ts';
import { parseVariant, useEvaluation } from '../../state/evaluation-store.ts';
import { EvaluationResults } from './evaluation-results.tsx';

function expectationText(evaluationCase: EvaluationCase): string {
  const expect = evaluationCase.expect;
  return [expect.status, expect.outputs ? preview(expect.outputs, 80) : undefined, expect.fired ? `fires ${expect.fired.join(', ')}` : undefined, expect.maxCostUsd !== undefined ? `≤ $${expect.maxCostUsd}` : undefined].filter(Boolean).join(' · ') || 'any end';
}

/** One case: its name and expectation; Edit opens it as JSON, Delete drops it (both saved with Save cases). */
function CaseRow({ evaluationCase, onChange, onDelete }: { evaluationCase: EvaluationCase; onChange: (next: EvaluationCase) => void; onDelete: () => void }) {
  const [editing, setEditing] = useState<string | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const apply = () => {
    let value: unknown;
    try {
      value = JSON.parse(editing ?? '');
    } catch {
      return setProblem('not valid JSON');
    }
    const parsed = evaluationCaseSchema.safeParse(value);
    if (!parsed.success) return setProblem(parsed.error.issues.map((issue) => `${issue.path.join('.') || '/'}: ${issue.message}`).join('; '));
    setProblem(undefined);
    setEditing(undefined);
    onChange(parsed.data);
  };
  return (
    <div className="eval-case" data-testid={`case-${evaluationCase.name}`}>
      <div className="row between">
        <strong>{evaluationCase.name}</strong>
        <span>
          <button type="button" className="link-btn" onClick={() => setEditing(editing === undefined ? JSON.stringify(evaluationCase, null, 2) : undefined)} data-testid={`edit-case-${evaluationCase.name}`}>
            {editing === undefined ? 'Edit' : 'Close'}
          </button>{' '}
          <button type="button" className="link-btn" onClick={onDelete} data-testid={`delete-case-${evaluationCase.name}`}>
            Delete
          </button>
        </span>
      </div>
      <div className="small muted mono">{expectationText(evaluationCase)}</div>
      {editing !== undefined ? (
        <>
          <textarea className="mono eval-case-json" aria-label={`Case ${evaluationCase.name} as JSON`} value={editing} onChange={(event) => setEditing(event.target.value)} rows={8} data-testid={`case-json-${evaluationCase.name}`} />
          {problem ? <div className="error-text small">{problem}</div> : null}
          <button type="button" className="btn btn-small" onClick={apply} data-testid={`apply-case-${evaluationCase.name}`}>
            Apply
          </button>
        </>
      ) : null}
    </div>
  );
}

function bodyFor(variantText: string): EvaluationBody | string {
  if (variantText.trim() === '') return {};
  const set = parseVariant(variantText);
  if (!set) return 'Write the variant as node.key=value, e.g. classify.model=gpt-4o';
  return { variants: [{ set: {} }, { set }] };
}

export function EvaluatePanel() {
  const flowId = useDocument((state) => state.flow.id);
  const { cases, file, problems, error, estimate, evaluation } = useEvaluation();
  const [draft, setDraft] = useState<EvaluationCase[] | undefined>();
  const [variant, setVariant] = useState('');
  const [variantProblem, setVariantProblem] = useState<string | undefined>();
  const [running, setRunning] = useState(false);
  const dirty = useDirty();

  useEffect(() => {
    setDraft(undefined);
    void useEvaluation.getState().load(flowId);
  }, [flowId]);

  const shown = draft ?? cases;
  const edit = (next: EvaluationCase[]) => setDraft(next);
  const body = () => {
    const result = bodyFor(variant);
    setVariantProblem(typeof result === 'string' ? result : undefined);
    return typeof result === 'string' ? undefined : result;
  };
  const save = async () => {
    if (draft && (await useEvaluation.getState().save(draft))) setDraft(undefined);
  };
  const run = async (request: EvaluationBody) => {
    setRunning(true);
    await useEvaluation.getState().run(request);
    setRunning(false);
  };

  return (
    <div className="panel-body" data-testid="evaluate-panel">
      <div className="section-title">
        Cases <span className="muted">{shown.length}{file ? ` · ${file}` : ''}</span>
      </div>
      {error ? <div className="error-text" data-testid="evaluate-error">{error}</div> : null}
      {problems.map((problem) => (
        <div key={problem} className="warn-text small">{problem}</div>
      ))}
      {shown.length === 0 && !error ? <div className="muted small" data-testid="no-cases">No cases yet: run the flow, then “Save as case” in the Run tab.</div> : null}
      {shown.map((evaluationCase, index) => (
        <CaseRow
          key={`${index}-${evaluationCase.name}`}
          evaluationCase={evaluationCase}
          onChange={(next) => edit(shown.map((candidate, at) => (at === index ? next : candidate)))}
          onDelete={() => edit(shown.filter((_, at) => at !== index))}
        />
      ))}
      {draft ? (
        <div className="row">
          <button type="button" className="btn btn-small btn-primary" onClick={() => void save()} data-testid="save-cases">
            Save cases
          </button>
          <button type="button" className="btn btn-small" onClick={() => setDraft(undefined)}>
            Discard changes
          </button>
        </div>
      ) : null}

      <div className="section-title">Evaluate</div>
      {dirty ? <div className="warn-text small" data-testid="evaluate-unsaved">The flow has unsaved changes: an evaluation runs the flow as saved.</div> : null}
      <input className="mono" aria-label="Variant" placeholder="variant, e.g. classify.model=gpt-4o" value={variant} onChange={(event) => setVariant(event.target.value)} data-testid="evaluate-variant" />
      {variantProblem ? <div className="error-text small">{variantProblem}</div> : null}
      <button
        type="button"
        className="btn btn-block"
        disabled={running || shown.length === 0 || draft !== undefined}
        title={draft ? 'Save or discard the changed cases first' : undefined}
        onClick={() => {
          const request = body();
          if (request) void useEvaluation.getState().estimateRun(request);
        }}
        data-testid="evaluate-estimate"
      >
        {variant.trim() ? 'Evaluate as saved and with the variant…' : 'Evaluate all cases…'}
      </button>
      {estimate ? (
        <div className="callout" data-testid="evaluate-estimate-callout">
          <div>
            {estimate.caseCount} case{estimate.caseCount === 1 ? '' : 's'}
            {estimate.variants.length > 1 ? ` × ${estimate.variants.length} variants` : ''}: up to {formatUsd(estimate.variants.reduce((sum, entry) => sum + entry.totalUsd, 0))}
            {estimate.simulated ? ' (simulated model)' : ''}
          </div>
          {estimate.variants.some((entry) => entry.unpricedSteps.length > 0) ? <div className="warn-text small">Some model has no known price: the estimate is a lower bound.</div> : null}
          <div className="row">
            <button
              type="button"
              className="btn btn-small btn-primary"
              onClick={() => {
                const request = body();
                if (request) void run(request);
              }}
              data-testid="evaluate-run"
            >
              Run cases
            </button>
            <button type="button" className="btn btn-small" onClick={() => useEvaluation.getState().clearEstimate()}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
      {evaluation && evaluation.flowId === flowId ? <EvaluationResults evaluation={evaluation} names={[...new Set(evaluation.variants.flatMap((entry) => entry.results.map((result) => result.name)))]} /> : null}
    </div>
  );
}
