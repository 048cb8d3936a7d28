/**
 * A model step's worst case before anything runs: its prompt tokens (rendered exactly as the
 * executor renders them) and its token cap, at the model's price; what the step reserves against
 * the budget. A JSON step's single corrective request is not included: the estimate is per attempt.
 */
import { DEFAULT_MAX_TOKENS, type ModelConfig } from '../../../shared/kinds/model.ts';
import { worstCaseUsd } from '../../../shared/pricing.ts';
import type { EstimateRequest, StepEstimate } from '../../engine/executor.ts';
import { buildModelMessages, promptTokenCount } from './model-prompt.ts';
import { wireFormatFor } from './wire-format.ts';

export function estimateModelStep({ nodeId, config, inputs, models, resolve }: EstimateRequest<ModelConfig>): StepEstimate {
  const resolved = resolve(config.model);
  const format = wireFormatFor(config);
  const messages = buildModelMessages(config, inputs, format);
  const promptTokens = promptTokenCount(models, config.model, messages, format.responseSchema);
  const maxTokens = config.maxTokens ?? DEFAULT_MAX_TOKENS;
  return { nodeId, model: config.model, simulated: resolved.simulated, promptTokens, maxTokens, worstCaseUsd: worstCaseUsd(resolved.price, promptTokens, maxTokens) };
}
