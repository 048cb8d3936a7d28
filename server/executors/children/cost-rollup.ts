/**
 * A step's cost as the sum of its child runs' costs, reported as the step's own `step.cost` while
 * they stream, at once: the parent's budget counts it before a sibling's next reservation. (A
 * model step's own cost events are already throttled, so each child's are few.)
 */
import type { StepContext } from '../../engine/executor.ts';
import type { ChildCost } from '../../engine/services.ts';

export class CostRollup {
  readonly #context: StepContext;
  readonly #label: string;
  readonly #children = new Map<string, ChildCost>();
  #reportedUsd = 0;
  #ended = false;

  constructor(context: StepContext, flowId: string) {
    this.#context = context;
    this.#label = `flow ${flowId}`;
  }

  /** What this attempt has reported as spent, in all. */
  reportedUsd(): number {
    return this.#reportedUsd;
  }

  /** The child's cost so far (this attempt's part of it). */
  update(childRunId: string, cost: ChildCost): void {
    if (this.#ended) return;
    this.#children.set(childRunId, cost);
    this.#emit(false);
  }

  /** The step ends: one last, final figure. */
  finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#children.size > 0) this.#emit(true);
  }

  #sum(): ChildCost {
    const total: ChildCost = { usd: 0, inputTokens: 0, outputTokens: 0, unpriced: false, simulated: false };
    for (const cost of this.#children.values()) {
      total.usd += cost.usd;
      total.inputTokens += cost.inputTokens;
      total.outputTokens += cost.outputTokens;
      total.unpriced ||= cost.unpriced;
      total.simulated ||= cost.simulated;
    }
    total.usd = Math.round(total.usd * 1e12) / 1e12;
    return total;
  }

  #emit(final: boolean): void {
    const total = this.#sum();
    this.#reportedUsd = total.usd;
    this.#context.emit({ type: 'step.cost', model: this.#label, inputTokens: total.inputTokens, outputTokens: total.outputTokens, usd: total.unpriced ? null : total.usd, final, simulated: total.simulated });
  }
}
