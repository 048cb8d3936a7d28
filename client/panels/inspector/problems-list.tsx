/** Validation problems, each naming the node, port and rule; clicking one selects its node. */
import type { Problem } from '../../../shared/validate.ts';
import { documentStore } from '../../state/document.ts';

export function ProblemsList({ problems, compact = false, empty = false }: { problems: Problem[]; compact?: boolean; empty?: boolean }) {
  if (empty && problems.length === 0) {
    return (
      <div className="muted small" data-testid="problems-empty-flow">
        Nothing to check yet: the flow has no steps.
      </div>
    );
  }
  if (problems.length === 0) {
    return (
      <div className="ok-text small" data-testid="problems-none">
        No problems: the flow is valid.
      </div>
    );
  }
  return (
    <ul className={`problems${compact ? ' compact' : ''}`} data-testid="problems-list">
      {problems.map((problem, index) => (
        <li key={`${problem.rule}-${problem.path}-${index}`} className="problem">
          <button
            type="button"
            className="problem-button"
            disabled={!problem.nodeId}
            onClick={() => problem.nodeId && documentStore.getState().select({ nodes: [problem.nodeId], edges: [] })}
          >
            <span className="problem-rule">{problem.rule}</span>
            <span>{problem.message}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}
