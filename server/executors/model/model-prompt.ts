/**
 * The messages a model step sends and what they count as, shared by the executor (which sends
 * them) and the estimate (which prices them before anything runs), so both agree to the token.
 */
import type { ModelConfig } from '../../../shared/kinds/model.ts';
import { renderTemplate } from '../../../shared/template.ts';
import type { ChatMessage, ModelService } from '../../engine/services.ts';
import type { WireFormat } from './wire-format.ts';

export function buildModelMessages(config: Pick<ModelConfig, 'system' | 'prompt'>, values: Record<string, unknown>, format: Pick<WireFormat, 'instruction'>): ChatMessage[] {
  const system = [config.system !== undefined ? renderTemplate(config.system, values) : '', format.instruction ?? ''].filter((part) => part.trim() !== '').join('\n\n');
  return [...(system ? [{ role: 'system' as const, content: system }] : []), { role: 'user', content: renderTemplate(config.prompt, values) }];
}

/**
 * Chat framing per OpenAI's counting recipe: each message costs its content plus about 4 tokens
 * (role and separators), and the reply is primed with 3 more.
 */
const TOKENS_PER_MESSAGE = 4;
const REPLY_PRIMING_TOKENS = 3;

/** Prompt tokens of a request, the response schema included (it is part of what the model reads). */
export function promptTokenCount(models: Pick<ModelService, 'countTokens'>, model: string, messages: ChatMessage[], responseSchema?: { schema: Record<string, unknown> }): number {
  let total = REPLY_PRIMING_TOKENS;
  for (const message of messages) total += TOKENS_PER_MESSAGE + models.countTokens(model, message.content);
  if (responseSchema) total += models.countTokens(model, JSON.stringify(responseSchema.schema));
  return total;
}
