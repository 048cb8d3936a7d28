/**
 * Streamed progress of a model step, merged per batch: the text deltas and running cost that
 * arrive together (one socket read of a reply often carries several chunks and its usage) go out
 * as one `step.delta` with their joined text and one `step.cost`, the latest. Every event is
 * stored, broadcast and folded by the run reducer, so fewer events per step is less server CPU
 * for the same streamed text.
 *
 * Meaning is unchanged: deltas concatenate in the reducer, and a `step.cost` is cumulative and
 * replaces the one before it (step-cost-meter.ts), so the latest cost of a batch says everything
 * the earlier ones did. A batch goes out on the next macrotask, before any other emission of the
 * step (so the order of text, prompt and log lines stays as it was), and when the step ends or
 * is stopped (`flush`).
 */
import type { CostEmission, StepEmission } from '../../engine/executor.ts';

export class StreamBatch {
  readonly #emit: (emission: StepEmission) => void;
  #text = '';
  #cost: CostEmission | undefined;
  #scheduled: NodeJS.Immediate | undefined;

  constructor(emit: (emission: StepEmission) => void) {
    this.#emit = emit;
  }

  /** Queues deltas and cost updates; any other emission first sends what is queued. */
  readonly emit = (emission: StepEmission): void => {
    if (emission.type === 'step.delta') {
      if (emission.text === '') return;
      this.#text += emission.text;
    } else if (emission.type === 'step.cost') {
      this.#cost = emission;
    } else {
      this.flush();
      this.#emit(emission);
      return;
    }
    this.#scheduled ??= setImmediate(this.#flushQueued);
  };

  readonly #flushQueued = (): void => {
    this.#scheduled = undefined;
    this.flush();
  };

  /** Sends what is queued now: the joined text first, then the latest cost. */
  flush(): void {
    if (this.#scheduled !== undefined) {
      clearImmediate(this.#scheduled);
      this.#scheduled = undefined;
    }
    const text = this.#text;
    const cost = this.#cost;
    this.#text = '';
    this.#cost = undefined;
    if (text !== '') this.#emit({ type: 'step.delta', text });
    if (cost) this.#emit(cost);
  }

  /** Forgets a queued running cost (a stopped step reports its cost so far instead); text stays queued. */
  dropCost(): void {
    this.#cost = undefined;
  }
}
