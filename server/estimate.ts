/**
 * A flow's worst-case model cost before anything runs (`POST /api/estimate`, `weft estimate`, the
 * canvas): per model step, its prompt tokens and its token cap at the model's price, exactly as
 * the model step reserves them against the budget.
 *
 * Prompts are rendered with the given run inputs where an input node feeds the step directly;
 * any other value (an upstream step's output, an input not given) is unknown, so its `{{name}}`
 * placeholder is counted as written and the prompt part is a lower bound. A JSON step's single
 * corrective request, and engine retries, are not included: the estimate is per attempt.
 */
import { parseEndpoint, type Flow } from '../shared/flow.ts';
import { DEFAULT_MAX_TOKENS, modelConfigSchema, type ModelConfig } from '../shared/kinds/model.ts';
import { worstCaseUsd } from '../shared/pricing.ts';
import type { ModelService, ResolvedModel } from './engine/services.ts';
import { buildModelMessages, promptTokenCount } from './providers/model-prompt.ts';
import { wireFormatFor } from './providers/wire-format.ts';
import type { FlowEstimate, StepEstimate } from '../shared/wire/rest-answers.ts';

/** The answer's types are the wire contract's (`POST /api/estimate`). */
export type { FlowEstimate, StepEstimate };

function templateValues(flow: Flow, nodeId: string, config: ModelConfig, inputs: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const field of config.inputs) {
    values[field.name] = `{{${field.name}}}`;
    const edge = flow.edges.find((candidate) => candidate.to === `${nodeId}.${field.name}`);
    if (!edge) continue;
    const from = parseEndpoint(edge.from);
    const source = flow.nodes.find((node) => node.id === from.nodeId);
    if (source?.kind === 'input' && Object.hasOwn(inputs, from.port)) values[field.name] = inputs[from.port];
  }
  return values;
}

function resolveQuietly(models: ModelService, model: string): ResolvedModel {
  try {
    return models.resolve(model);
  } catch {
    return { model, provider: '', simulated: false, price: undefined };
  }
}

export function estimateStep(flow: Flow, nodeId: string, config: ModelConfig, models: ModelService, inputs: Record<string, unknown> = {}): StepEstimate {
  const resolved = resolveQuietly(models, config.model);
  const format = wireFormatFor(config);
  const messages = buildModelMessages(config, templateValues(flow, nodeId, config, inputs), format);
  const promptTokens = promptTokenCount(models, config.model, messages, format.responseSchema);
  const maxTokens = config.maxTokens ?? DEFAULT_MAX_TOKENS;
  return { nodeId, model: config.model, simulated: resolved.simulated, promptTokens, maxTokens, worstCaseUsd: worstCaseUsd(resolved.price, promptTokens, maxTokens) };
}

export function estimateFlow(flow: Flow, models: ModelService, inputs: Record<string, unknown> = {}): FlowEstimate {
  const steps: StepEstimate[] = [];
  for (const node of flow.nodes) {
    if (node.kind !== 'model') continue;
    const config = modelConfigSchema.safeParse(node.config);
    if (config.success) steps.push(estimateStep(flow, node.id, config.data, models, inputs));
  }
  const unpricedSteps = steps.filter((step) => step.worstCaseUsd === null).map((step) => step.nodeId);
  const totalUsd = steps.reduce((sum, step) => sum + (step.worstCaseUsd ?? 0), 0);
  const budgetUsd = flow.settings?.budgetUsd;
  const fitsBudget = budgetUsd === undefined ? null : unpricedSteps.length === 0 && totalUsd <= budgetUsd;
  return { steps, totalUsd, unpricedSteps, ...(budgetUsd !== undefined ? { budgetUsd } : {}), fitsBudget };
}
