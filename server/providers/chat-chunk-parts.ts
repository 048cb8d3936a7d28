/**
 * Pure mapping from OpenAI chat completion chunks to Weft's stream parts (text delta, usage,
 * finish). Refusals (Structured Outputs' `delta.refusal`) are collected separately: they are an
 * answer of sorts, not text, and the service turns them into a `refused` failure.
 */
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { ModelStreamPart } from '../engine/services.ts';

export interface ChunkParts {
  parts: ModelStreamPart[];
  refusal: string;
}

export function chunkParts(chunk: ChatCompletionChunk): ChunkParts {
  const parts: ModelStreamPart[] = [];
  let refusal = '';
  const choice = chunk.choices?.find((candidate) => candidate.index === 0) ?? chunk.choices?.[0];
  if (choice) {
    const content = choice.delta?.content;
    if (typeof content === 'string' && content !== '') parts.push({ type: 'text-delta', text: content });
    if (typeof choice.delta?.refusal === 'string') refusal = choice.delta.refusal;
    if (choice.finish_reason) parts.push({ type: 'finish', reason: choice.finish_reason });
  }
  if (chunk.usage) {
    parts.push({
      type: 'usage',
      inputTokens: chunk.usage.prompt_tokens ?? 0,
      cachedInputTokens: chunk.usage.prompt_tokens_details?.cached_tokens ?? 0,
      outputTokens: chunk.usage.completion_tokens ?? 0,
    });
  }
  return { parts, refusal };
}
