/**
 * The cost a model step reports while it runs. `step.cost` events replace one another in the run
 * state (the latest is the step's cost), so every emission is CUMULATIVE over the step's requests
 * (a corrective retry adds to the first reply's cost, it does not hide it).
 *
 * While tokens arrive: estimates (`final: false`) from the tokenizer, throttled to every ~20
 * tokens or 100 ms. When a request ends: its provider-reported usage (`final: true`); a server
 * that sends no usage is settled from the counted tokens instead.
 */
import { cachedSavingUsd, costUsd, type ModelPrice } from '../../shared/pricing.ts';
import type { CostEmission, StepEmission } from '../engine/executor.ts';
import type { ResolvedModel } from '../engine/services.ts';

export interface MeterOptions {
  everyTokens?: number;
  everyMs?: number;
  now?: () => number;
}

interface Usage {
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
}

const ZERO: Usage = { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 };

function add(a: Usage, b: Usage): Usage {
  return { inputTokens: a.inputTokens + b.inputTokens, cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens, outputTokens: a.outputTokens + b.outputTokens };
}

export class StepCostMeter {
  #reusedFrom: string | undefined;
  readonly #emit: (emission: StepEmission) => void;
  readonly #resolved: ResolvedModel;
  readonly #countTokens: (text: string) => number;
  readonly #everyTokens: number;
  readonly #everyMs: number;
  readonly #now: () => number;
  #settled: Usage = ZERO;
  #promptTokens = 0;
  #countedOutput = 0;
  #text = '';
  #reported: Usage | undefined;
  #sinceEmitTokens = 0;
  #lastEmitAt = 0;
  #open = false;

  constructor(emit: (emission: StepEmission) => void, resolved: ResolvedModel, countTokens: (text: string) => number, options: MeterOptions = {}) {
    this.#emit = emit;
    this.#resolved = resolved;
    this.#countTokens = countTokens;
    this.#everyTokens = options.everyTokens ?? 20;
    this.#everyMs = options.everyMs ?? 100;
    this.#now = options.now ?? Date.now;
  }

  /** US dollars for a usage at this model's price; null when unpriced. */
  usdOf(usage: Usage): number | null {
    return this.#resolved.price ? costUsd(usage, this.#resolved.price as ModelPrice) : null;
  }

  /** The settled cost of the step's finished requests. */
  get settledUsd(): number | null {
    return this.usdOf(this.#settled);
  }

  begin(promptTokens: number): void {
    this.#promptTokens = promptTokens;
    this.#countedOutput = 0;
    this.#text = '';
    this.#reported = undefined;
    this.#sinceEmitTokens = 0;
    this.#lastEmitAt = this.#now();
    this.#open = true;
  }

  delta(text: string): void {
    // Per-delta counts run a little high where a delta splits a token; fine for a running estimate.
    const tokens = this.#countTokens(text);
    this.#text += text;
    this.#countedOutput += tokens;
    this.#sinceEmitTokens += tokens;
    if (this.#sinceEmitTokens >= this.#everyTokens || this.#now() - this.#lastEmitAt >= this.#everyMs) {
      this.#sinceEmitTokens = 0;
      this.#lastEmitAt = this.#now();
      this.#send(add(this.#settled, { inputTokens: this.#promptTokens, cachedInputTokens: 0, outputTokens: this.#countedOutput }), false);
    }
  }

  usage(usage: Usage): void {
    this.#reported = usage;
  }

  /** The reply was taken from run `runId`'s log: the cost events say so, so the trace can show the step as reused. */
  reused(runId: string): void {
    this.#reusedFrom = runId;
  }

  /**
   * Settles the current request. `replied`: the provider started answering (a request refused
   * before any token, such as a 400, is not billed and settles nothing).
   */
  end(replied: boolean): void {
    if (!this.#open) return;
    this.#open = false;
    const request = this.#reported ?? (replied ? { inputTokens: this.#promptTokens, cachedInputTokens: 0, outputTokens: this.#countTokens(this.#text) } : undefined);
    if (!request) return;
    this.#settled = add(this.#settled, request);
    this.#send(this.#settled, true);
  }

  /**
   * What the step has spent so far when it is stopped mid-request (the engine asks through
   * onStop): the settled requests plus the open one's prompt and the tokens streamed until now,
   * as an estimate. undefined when no request is open: the last emission already says it all.
   */
  costSoFar(): CostEmission | undefined {
    if (!this.#open) return undefined;
    return this.#emission(add(this.#settled, { inputTokens: this.#promptTokens, cachedInputTokens: 0, outputTokens: this.#countTokens(this.#text) }), false);
  }

  #send(usage: Usage, final: boolean): void {
    this.#emit(this.#emission(usage, final));
  }

  #emission(usage: Usage, final: boolean): CostEmission {
    return {
      type: 'step.cost',
      model: this.#resolved.model,
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      cachedInputTokens: usage.cachedInputTokens,
      usd: this.usdOf(usage),
      ...(usage.cachedInputTokens > 0 && this.#resolved.price ? { cachedSavingUsd: cachedSavingUsd(usage, this.#resolved.price as ModelPrice) } : {}),
      final,
      simulated: this.#resolved.simulated,
      ...(this.#reusedFrom !== undefined ? { reusedFrom: this.#reusedFrom } : {}),
    };
  }
}
