/**
 * The run's budget: what each step has cost so far and what running steps have reserved for their
 * worst case. A step's hold is the larger of its reservation and its streaming cost, so a streaming
 * step is never counted twice and never counted below what it already spent. A step that runs again
 * (a new attempt after a restart) keeps what its earlier attempts spent: their cost stays spent.
 * With spend caps across runs, a step that got its reservation from the run's budget also holds it
 * against them (`reserveSpend`, spend-ledger.ts), settled with what the request cost when released.
 * A child run's steps hold the caps themselves, so the parent's share (`OuterBudget`) asks only
 * the run's budget.
 *
 * A child run's budget also answers to its parent's (`OuterBudget`): each reservation asks the
 * parent whether the child may hold its new total, so a child step that would exceed what the
 * parent has left is refused before it spends, exactly like a step of the parent.
 */
import type { BudgetGate, BudgetReservation, OuterBudget, SpendHold } from './executor.ts';
import type { ScopedSpendCap, SpendLedger } from './spend-ledger.ts';

/** The spend caps across runs that cover a run's steps. */
export interface RunSpendCaps {
  ledger: SpendLedger;
  flowId: string;
  /** Recorded with each reservation, so one its process left behind can be settled from the run's log. */
  runId?: string;
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
    const gate: BudgetGate = {
      limitUsd: this.limitUsd ?? this.#outer?.limitUsd,
      spendCapped: this.#spend !== undefined,
      spentUsd: () => this.spentUsd(),
      reserve: (usd: number): BudgetReservation => this.#reserveInRun(nodeId, usd),
    };
    const spend = this.#spend;
    if (spend) gate.reserveSpend = (usd) => this.#reserveSpend(spend, nodeId, usd);
    return gate;
  }

  async #reserveSpend({ ledger, flowId, runId, caps, now }: RunSpendCaps, nodeId: string, usd: number): Promise<SpendHold> {
    // What the step's cost grew by while it held the reservation is what the request cost.
    const before = this.#costOf(nodeId);
    const across = await ledger.reserve({ flowId, caps, usd, at: new Date(now()), ...(runId !== undefined ? { runId } : {}), nodeId });
    if (!across.ok) return { ok: false, spendCap: across.refusal };
    return { ok: true, release: () => across.settle(Math.max(0, this.#costOf(nodeId) - before)) };
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
      if (!verdict.ok) return { ...verdict, neededUsd: usd };
    }
    this.#reserved.set(nodeId, needed);
    return { ok: true, release: () => this.#reserved.delete(nodeId) };
  }
}
