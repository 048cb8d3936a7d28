/**
 * A model step's worst case before anything runs: its prompt tokens (rendered exactly as the
 * executor renders them) and its token cap, at the model's price; what the step reserves against
 * the budget, after its context budget (`maxInputTokens`) shortened it or found it too long. A JSON step's single corrective request is not included: the estimate is per attempt.
 */
import { DEFAULT_MAX_TOKENS, type ModelConfig } from '../../../shared/kinds/model.ts';
import { worstCaseUsd } from '../../../shared/pricing.ts';
import type { EstimateRequest, StepEstimate } from '../../engine/executor.ts';
import { fitContext } from './context-budget.ts';
import { wireFormatFor } from './wire-format.ts';

export function estimateModelStep({ nodeId, config, inputs, models, resolve }: EstimateRequest<ModelConfig>): StepEstimate {
  const resolved = resolve(config.model);
  const format = wireFormatFor(config);
  const fitted = fitContext(config, inputs, format, config.model, models);
  const promptTokens = fitted.promptTokens;
  const maxTokens = config.maxTokens ?? DEFAULT_MAX_TOKENS;
  const context = config.maxInputTokens === undefined ? {} : { maxInputTokens: config.maxInputTokens, context: !fitted.ok ? ('too-long' as const) : fitted.cut ? ('truncated' as const) : ('fits' as const) };
  return { nodeId, model: config.model, simulated: resolved.simulated, promptTokens, maxTokens, ...context, worstCaseUsd: worstCaseUsd(resolved.price, promptTokens, maxTokens) };
}
