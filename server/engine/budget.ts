/**
 * The run's budget: what each step has cost so far and what running steps have reserved for their
 * worst case. A step's hold is the larger of its reservation and its streaming cost, so a streaming
 * step is never counted twice and never counted below what it already spent. A step that runs again
 * (a new attempt after a restart) keeps what its earlier attempts spent: their cost stays spent.
 * With spend caps across runs, a reservation that fits the run's budget is also held against them
 * (spend-ledger.ts) and settled with what the request cost when it is released.
 *
 * A child run's budget also answers to its parent's (`OuterBudget`): each reservation asks the
 * parent whether the child may hold its new total, so a child step that would exceed what the
 * parent has left is refused before it spends, exactly like a step of the parent.
 */
import type { BudgetGate, BudgetReservation, OuterBudget } from './executor.ts';
import type { ScopedSpendCap, SpendLedger } from './spend-ledger.ts';

/** The spend caps across runs that cover a run's steps. */
export interface RunSpendCaps {
  ledger: SpendLedger;
  flowId: string;
  caps: readonly ScopedSpendCap[];
  now: () => number;
}

export class RunBudget {
  readonly limitUsd: number | undefined;
  readonly #spend: RunSpendCaps | undefined;
  readonly #outer: OuterBudget | undefined;
  /** Per step: what earlier attempts spent, and the latest figure of the current attempt. */
  readonly #attempts = new Map<string, { attempt: number; earlierUsd: number; currentUsd: number }>();
  readonly #reserved = new Map<string, number>();

  constructor(limitUsd: number | undefined, spend?: RunSpendCaps, outer?: OuterBudget) {
    this.limitUsd = limitUsd;
    this.#spend = spend && spend.caps.length > 0 ? spend : undefined;
    this.#outer = outer;
  }

  /** Records an attempt's latest cost figure (each figure replaces the previous one of that attempt). */
  recordCost(nodeId: string, attempt: number, usd: number | null): void {
    if (usd === null) return;
    let entry = this.#attempts.get(nodeId);
    if (!entry) this.#attempts.set(nodeId, (entry = { attempt, earlierUsd: 0, currentUsd: 0 }));
    if (attempt > entry.attempt) {
      entry.earlierUsd += entry.currentUsd;
      entry.attempt = attempt;
      entry.currentUsd = 0;
    } else if (attempt < entry.attempt) {
      return; // a late figure from a superseded attempt: that attempt's cost is already folded in
    }
    entry.currentUsd = usd;
  }

  /** Settled and streaming cost of every step. */
  spentUsd(): number {
    let total = 0;
    for (const entry of this.#attempts.values()) total += entry.earlierUsd + entry.currentUsd;
    return total;
  }

  /** A step's cost over all its attempts. */
  #costOf(nodeId: string): number {
    const entry = this.#attempts.get(nodeId);
    return entry ? entry.earlierUsd + entry.currentUsd : 0;
  }

  #held(nodeId: string): number {
    return Math.max(this.#reserved.get(nodeId) ?? 0, this.#costOf(nodeId));
  }

  #committedUsd(): number {
    let total = 0;
    const ids = new Set([...this.#attempts.keys(), ...this.#reserved.keys()]);
    for (const id of ids) total += this.#held(id);
    return total;
  }

  gateFor(nodeId: string): BudgetGate {
    return {
      limitUsd: this.limitUsd ?? this.#outer?.limitUsd,
      spendCapped: this.#spend !== undefined,
      spentUsd: () => this.spentUsd(),
      reserve: (usd: number): BudgetReservation => {
        const run = this.#reserveInRun(nodeId, usd);
        if (!run.ok || !this.#spend) return run;
        const { ledger, flowId, caps, now } = this.#spend;
        const across = ledger.reserve({ flowId, caps, usd, at: new Date(now()) });
        if (!across.ok) {
          run.release();
          return { ok: false, spendCap: across.refusal };
        }
        // What the step's cost grew by while it held the reservation is what the request cost.
        const before = this.#costOf(nodeId);
        return {
          ok: true,
          release: () => {
            across.settle(Math.max(0, this.#costOf(nodeId) - before));
            run.release();
          },
        };
      },
    };
  }

  /** The run's own budget (and its parent's, for a child run): refused when this step's worst case does not fit in what is left. */
  #reserveInRun(nodeId: string, usd: number): BudgetReservation {
    if (this.limitUsd === undefined && this.#outer?.limitUsd === undefined) return { ok: true, release: () => undefined };
    const own = this.#costOf(nodeId);
    const others = this.#committedUsd() - this.#held(nodeId);
    // What this step already spent in an earlier attempt stays spent.
    const needed = usd + own;
    if (this.limitUsd !== undefined && others + needed > this.limitUsd + 1e-12) {
      const spent = this.spentUsd();
      return { ok: false, spentUsd: spent, reservedUsd: Math.max(0, others - (spent - own)), neededUsd: usd, limitUsd: this.limitUsd };
    }
    if (this.#outer) {
      const verdict = this.#outer.commit(others + needed, this.spentUsd());
      if (!verdict.ok) return 'spendCap' in verdict && verdict.spendCap ? verdict : { ...verdict, neededUsd: usd };
    }
    this.#reserved.set(nodeId, needed);
    return { ok: true, release: () => this.#reserved.delete(nodeId) };
  }
}
