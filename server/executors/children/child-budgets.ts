/**
 * A step's share of its run's budget, split between the child runs it starts. Each child asks,
 * before each reservation, whether it may hold a new total (`OuterBudget.commit`); the step then
 * reserves the sum over its children, less what it has already reported as spent, through its own
 * gate: the one check a step of the parent makes, so a child step is refused exactly when a step
 * of the parent would be.
 */
import type { BudgetGate, OuterBudget } from '../../engine/executor.ts';

export class ChildBudgets {
  readonly #gate: BudgetGate;
  readonly #reportedSpent: () => number;
  readonly #committed = new Map<string, number>();
  #total = 0;
  #release: (() => void) | undefined;

  constructor(gate: BudgetGate, reportedSpent: () => number) {
    this.#gate = gate;
    this.#reportedSpent = reportedSpent;
  }

  outerFor(childRunId: string): OuterBudget {
    return {
      limitUsd: this.#gate.limitUsd,
      commit: (committedUsd) => {
        const previous = this.#committed.get(childRunId) ?? 0;
        const total = this.#total - previous + committedUsd;
        const verdict = this.#gate.reserve(Math.max(0, total - this.#reportedSpent()));
        if (!verdict.ok) return verdict;
        this.#release = verdict.release;
        this.#committed.set(childRunId, committedUsd);
        this.#total = total;
        return { ok: true };
      },
    };
  }

  /** A child ended: it holds what it spent, no more. */
  settle(childRunId: string, spentUsd: number): void {
    const previous = this.#committed.get(childRunId) ?? 0;
    this.#total += spentUsd - previous;
    this.#committed.set(childRunId, spentUsd);
  }

  /** The step ended: its reservation goes (its reported cost stays spent). */
  release(): void {
    this.#release?.();
    this.#release = undefined;
  }
}
