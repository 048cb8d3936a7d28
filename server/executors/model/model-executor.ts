/**
 * The model step: renders its prompt, reserves its worst-case cost against the run's budget,
 * streams the reply (deltas and running cost), and reads it back as text, schema-checked JSON or
 * an explicit "unsure".
 *
 * A JSON reply that breaks the output schema gets ONE corrective request (the bad reply and the
 * problem go back to the model), then the step fails naming the path. Each request reserves its
 * own worst case before it is sent, so the corrective one is budget-checked too.
 */
import { DEFAULT_MAX_TOKENS, type ModelConfig } from '../../../shared/kinds/model.ts';
import { formatUsd, worstCaseUsd } from '../../../shared/pricing.ts';
import { StepFailure, type Executor, type StepContext, type StepOutcome } from '../../engine/executor.ts';
import type { ChatMessage, ModelService, ResolvedModel } from '../../engine/services.ts';
import { estimateModelStep } from './model-estimate.ts';
import { describeCut, fitContext } from './context-budget.ts';
import { describeSpendRefusal } from './spend-refusal.ts';
import { promptTokenCount } from './model-prompt.ts';
import { StepCostMeter } from '../../providers/step-cost-meter.ts';
import { wireFormatFor, type WireFormat, type WireReading } from './wire-format.ts';
import { StreamBatch } from './stream-batch.ts';

interface Reply {
  text: string;
  finishReason: string | undefined;
}

interface Call {
  context: StepContext<ModelConfig>;
  models: ModelService;
  resolved: ResolvedModel;
  format: WireFormat;
  meter: StepCostMeter;
  /** Every emission of the step goes through it, so streamed deltas and costs go out merged per batch. */
  batch: StreamBatch;
  maxTokens: number;
}

/**
 * Holds the request's worst case against the run's budget, then against the spend caps across
 * runs; throws `budget` or `spend-cap` when it does not fit. The release settles both.
 */
async function reserveWorstCase(call: Call, promptTokens: number): Promise<() => Promise<void>> {
  const { budget } = call.context;
  const worst = worstCaseUsd(call.resolved.price, promptTokens, call.maxTokens);
  if (worst === null) {
    if (budget.limitUsd !== undefined) {
      throw new StepFailure('budget', `model "${call.resolved.model}" has no known price, so it cannot be checked against the budget of ${formatUsd(budget.limitUsd)}: add its price to its provider in weft.config.json, or remove the budget`);
    }
    if (budget.spendCapped) throw new StepFailure('spend-cap', `model "${call.resolved.model}" has no known price, so it cannot be checked against the spend caps: add its price to its provider in weft.config.json`);
    return async () => {};
  }
  const reservation = budget.reserve(worst);
  if (!reservation.ok) {
    const held = reservation.reservedUsd > 0 ? ` (${formatUsd(reservation.reservedUsd)} more is held by steps running now)` : '';
    throw new StepFailure('budget', `budget exceeded: spent ${formatUsd(reservation.spentUsd)} of ${formatUsd(reservation.limitUsd)}, this step needs up to ${formatUsd(reservation.neededUsd)}${held}`);
  }
  if (!budget.reserveSpend) return async () => reservation.release();
  let hold;
  try {
    hold = await budget.reserveSpend(worst);
  } catch (error) {
    reservation.release();
    throw error;
  }
  if (!hold.ok) {
    reservation.release();
    throw new StepFailure('spend-cap', describeSpendRefusal(hold.spendCap));
  }
  const spend = hold;
  return async () => {
    // Settled before the run's reservation goes, so neither briefly forgets this spend.
    await spend.release();
    reservation.release();
  };
}

/** One request: prompt event, budget reservation, stream, cost settlement, release. `counted`: its prompt tokens, when already counted. */
async function request(call: Call, messages: ChatMessage[], counted?: number): Promise<Reply> {
  const { context, models, resolved, format, meter, batch } = call;
  const config = context.config;
  batch.emit({ type: 'step.prompt', model: resolved.model, simulated: resolved.simulated, messages });
  // The first request's prompt was counted when it was fitted to the context budget.
  const promptTokens = counted ?? promptTokenCount(models, resolved.model, messages, format.responseSchema);
  const limit = config.maxInputTokens;
  // The first request was fitted to the limit; the corrective one carries the bad reply as well.
  if (limit !== undefined && promptTokens > limit) {
    throw new StepFailure('context', `the corrective request's prompt is ${promptTokens} tokens, over maxInputTokens ${limit}: nothing more was sent`);
  }
  const release = await reserveWorstCase(call, promptTokens);
  let text = '';
  let finishReason: string | undefined;
  let replied = false;
  meter.begin(promptTokens);
  try {
    const parts = models.stream({
      model: resolved.model,
      messages,
      ...(format.responseSchema ? { responseSchema: format.responseSchema } : {}),
      ...(config.temperature !== undefined ? { temperature: config.temperature } : {}),
      maxTokens: call.maxTokens,
      ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
      ...(config.retries !== undefined ? { maxRetries: config.retries } : {}),
      signal: context.signal,
    });
    for await (const part of parts) {
      replied = true;
      if (part.type === 'text-delta') {
        text += part.text;
        batch.emit({ type: 'step.delta', text: part.text });
        meter.delta(part.text);
      } else if (part.type === 'usage') meter.usage(part);
      else if (part.type === 'reused') meter.reused(part.fromRunId);
      else finishReason = part.reason;
    }
  } finally {
    // Settle the cost before the reservation goes, so the budget never briefly forgets this spend:
    // the batch's last text and the final cost are recorded now, not on the next macrotask.
    meter.end(replied);
    batch.flush();
    await release();
  }
  return { text, finishReason };
}

function correction(reading: Extract<WireReading, { ok: false }>): string {
  return `Your reply does not match the required JSON format: at ${reading.wirePath}: ${reading.message}. Reply again with only the corrected JSON.`;
}

function outputsOf(reading: Extract<WireReading, { ok: true }>): Record<string, unknown> {
  return reading.outcome.type === 'unsure' ? { unsure: reading.outcome.reason } : { result: reading.outcome.value };
}

function schemaFailure(reading: Extract<WireReading, { ok: false }>, reply: Reply, maxTokens: number): StepFailure {
  const cut = reply.finishReason === 'length' ? ` (the reply was cut off at maxTokens ${maxTokens}; raise maxTokens)` : '';
  return new StepFailure('schema', `reply breaks the output schema at ${reading.path}: ${reading.message}${cut}`);
}

export const modelExecutor: Executor<ModelConfig> = {
  async run(context) {
    const batch = new StreamBatch((emission) => context.emit(emission));
    try {
      return await runModelStep(context, batch);
    } finally {
      // Before the engine records the step's end: the last batch's text and cost come first.
      batch.flush();
    }
  },

  estimate: estimateModelStep,
};

async function runModelStep(context: StepContext<ModelConfig>, batch: StreamBatch): Promise<StepOutcome> {
  const models = context.services.models;
  if (!models) throw new StepFailure('provider', 'no model service is configured on this server');
  if (context.signal.aborted) throw new StepFailure('cancelled', 'model step cancelled before it started');
  const config = context.config;
  const resolved = models.resolve(config.model);
  const format = wireFormatFor(config);
  const maxTokens = config.maxTokens ?? DEFAULT_MAX_TOKENS;
  const meter = new StepCostMeter(batch.emit, resolved, (text) => models.countTokens(resolved.model, text));
  context.onStop(() => {
    // Stopped mid-stream: the queued text goes out while the step still counts as running; the
    // cost so far replaces the queued estimate.
    batch.dropCost();
    batch.flush();
    return meter.costSoFar();
  });
  const call: Call = { context, models, resolved, format, meter, batch, maxTokens };

  const fitted = fitContext(config, context.inputs, format, resolved.model, models);
  if (!fitted.ok) throw new StepFailure('context', fitted.message);
  if (fitted.cut) batch.emit({ type: 'step.log', level: 'warn', text: describeCut(fitted.cut, config.maxInputTokens!) });
  const messages = fitted.messages;
  const first = await request(call, messages, fitted.promptTokens);
  const reading = format.read(first.text);
  if (reading.ok) return { type: 'outputs', outputs: outputsOf(reading) };
  // A reply cut at the token cap would be cut again: asking for a correction only spends money.
  if (first.finishReason === 'length') throw schemaFailure(reading, first, maxTokens);

  batch.emit({ type: 'step.log', level: 'warn', text: `reply breaks the output schema at ${reading.wirePath}: ${reading.message}; asking the model once to correct it` });
  batch.emit({ type: 'step.delta', text: '\n\n' });
  const retry = await request(call, [...messages, { role: 'assistant', content: first.text }, { role: 'user', content: correction(reading) }]);
  const second = format.read(retry.text);
  if (second.ok) return { type: 'outputs', outputs: outputsOf(second) };
  throw schemaFailure(second, retry, maxTokens);
}
