/**
 * The deterministic answers of Weft's simulated endpoint (used when no OPENAI_API_KEY is set),
 * so flows can be built, previewed and priced without an account. Same request, same answer.
 *
 * - A `json_schema` response format gets a value generated from the schema that satisfies it
 *   (enum -> first value, numbers within their bounds, every property, one array item, anyOf ->
 *   first branch ...; see schema-example.ts).
 * - **Trying the "unsure" path:** when the schema offers an unsure branch (a branch whose status is
 *   `"unsure"`, as model steps with `allowUnsure` send) and the last user message contains
 *   "unsure" or "not sure" (any case), the reply takes that branch with a reason. Put "not sure"
 *   in a run input to see the `unsure` port fire; leave it out to see `result` fire. Phrases that
 *   instruct the model about being unsure ("if you are unsure", "say you are unsure", "when not
 *   sure") do not count, so a prompt template may mention them.
 * - `json_object` gets a small JSON object; plain text gets a short sentence saying it is simulated.
 * - A token cap (`max_completion_tokens` or `max_tokens`) cuts the reply as a real model would,
 *   with finish reason `length`.
 */
import { promptTokenCount } from '../executors/model/model-prompt.ts';
import { exampleFromSchema } from './schema-example.ts';
import { countTokens, truncateToTokens } from './tokens.ts';
import { UNSURE_STATUS } from '../executors/model/wire-format.ts';

export interface SimulatedRequest {
  model: string;
  messages: Array<{ role: string; content: string }>;
  responseFormat: { type: 'text' } | { type: 'json_object' } | { type: 'json_schema'; schema: Record<string, unknown> };
  maxTokens: number | undefined;
}

export interface SimulatedReply {
  text: string;
  finishReason: 'stop' | 'length';
  promptTokens: number;
  completionTokens: number;
}

const UNSURE_WORDS = /unsure|not sure/i;
/**
 * Instructions ABOUT being unsure ("if you are unsure", "say you are unsure", "when not sure")
 * belong to prompt templates, not to the case at hand, so they do not count.
 */
const UNSURE_INSTRUCTIONS = /\b(?:(?:if|when|whether|unless)|(?:say|answer|reply|respond|state|admit)(?:\s+that)?)\s+(?:(?:you|you're|you are|you\s+feel|it is|it's)\s+)?(?:are\s+)?(?:unsure|not sure)\b/gi;

/** Whether the request's own content (not its instructions) says "unsure" or "not sure". */
export function asksForUnsure(text: string): boolean {
  return UNSURE_WORDS.test(text.replace(UNSURE_INSTRUCTIONS, ''));
}

function offersUnsure(branch: Record<string, unknown>): boolean {
  const properties = branch.properties;
  if (typeof properties !== 'object' || properties === null) return false;
  return Object.values(properties).some((property) => {
    const schema = property as Record<string, unknown>;
    return schema?.const === UNSURE_STATUS || (Array.isArray(schema?.enum) && schema.enum.includes(UNSURE_STATUS));
  });
}

function lastUserText(request: SimulatedRequest): string {
  return [...request.messages].reverse().find((message) => message.role === 'user')?.content ?? '';
}

function quote(text: string, words: number): string {
  const parts = text.trim().split(/\s+/).filter(Boolean);
  return parts.slice(0, words).join(' ') + (parts.length > words ? ' ...' : '');
}

function replyText(request: SimulatedRequest): string {
  const prompt = lastUserText(request);
  const format = request.responseFormat;
  if (format.type === 'json_schema') {
    const wantsUnsure = asksForUnsure(prompt);
    const value = exampleFromSchema(format.schema, {
      hint: prompt,
      chooseBranch: (branches) => {
        const unsure = branches.findIndex(offersUnsure);
        if (wantsUnsure && unsure >= 0) return unsure;
        const sure = branches.findIndex((branch) => !offersUnsure(branch));
        return sure >= 0 ? sure : 0;
      },
      stringFor: (name) => (wantsUnsure && name === 'reason' ? 'Simulated unsure answer: the request says it is not sure.' : undefined),
    });
    return JSON.stringify(value);
  }
  if (format.type === 'json_object') return JSON.stringify({ answer: `Simulated answer to: ${quote(prompt, 8)}` });
  return `This is a simulated reply (Weft has no API key, so it answered itself) to: "${quote(prompt, 12)}"`;
}

export function simulatedReply(request: SimulatedRequest): SimulatedReply {
  const full = replyText(request);
  const cut = request.maxTokens !== undefined ? truncateToTokens(request.model, full, request.maxTokens) : { text: full, truncated: false };
  const schema = request.responseFormat.type === 'json_schema' ? { schema: request.responseFormat.schema } : undefined;
  return {
    text: cut.text,
    finishReason: cut.truncated ? 'length' : 'stop',
    promptTokens: promptTokenCount({ countTokens }, request.model, request.messages.map((m) => ({ role: 'user', content: m.content })), schema),
    completionTokens: countTokens(request.model, cut.text),
  };
}
