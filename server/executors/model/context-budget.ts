/**
 * A model step's context budget (`maxInputTokens`): the prompt is counted with the model's
 * tokenizer before anything is sent. Over the limit, the step fails naming the count and the limit
 * (`onContextOverflow: "fail"`, the default), or shortens its `truncateInput` at a token boundary,
 * ending it with a visible marker, until the whole prompt fits (`"truncate"`).
 *
 * Shared by the executor (which sends the fitted messages) and the estimate (which counts them), so
 * both agree to the token.
 */
import type { ModelConfig } from '../../../shared/kinds/model.ts';
import type { ChatMessage, ModelService } from '../../engine/services.ts';
import { truncateToTokens } from '../../providers/tokens.ts';
import { buildModelMessages, promptTokenCount } from './model-prompt.ts';
import type { WireFormat } from './wire-format.ts';

/** What truncation cut from the input it shortened. */
export interface ContextCut {
  input: string;
  /** The input's tokens before and after (the marker included after). */
  tokensBefore: number;
  /** Tokens of the original input left out. */
  tokensCut: number;
  charactersBefore: number;
  charactersKept: number;
  /** The prompt's tokens before and after. */
  promptTokensBefore: number;
  promptTokensAfter: number;
}

export type FittedContext =
  | { ok: true; messages: ChatMessage[]; promptTokens: number; cut?: ContextCut }
  | { ok: false; promptTokens: number; message: string };

type Tokenizer = Pick<ModelService, 'countTokens'>;

/** The input's first `keep` tokens; a character split at the cut (its bytes in two tokens) is left out whole. */
function firstTokens(model: string, text: string, keep: number): string {
  return truncateToTokens(model, text, keep).text.replace(/\uFFFD+$/u, '');
}

/** Ends a truncated input, so the model (and a person reading the trace) sees that text is missing. */
export function truncationMarker(cutTokens: number): string {
  return `\n[… ${cutTokens.toLocaleString('en-US')} tokens cut by Weft to fit maxInputTokens]`;
}

/** Tries the truncation a few times: token boundaries can shift by a token or two where the cut meets the marker. */
const FIT_ATTEMPTS = 8;

export function fitContext(
  config: Pick<ModelConfig, 'system' | 'prompt' | 'maxInputTokens' | 'onContextOverflow' | 'truncateInput'>,
  values: Record<string, unknown>,
  format: Pick<WireFormat, 'instruction' | 'responseSchema'>,
  model: string,
  tokenizer: Tokenizer,
): FittedContext {
  const count = (messages: ChatMessage[]) => promptTokenCount(tokenizer, model, messages, format.responseSchema);
  const messages = buildModelMessages(config, values, format);
  const promptTokens = count(messages);
  const limit = config.maxInputTokens;
  if (limit === undefined || promptTokens <= limit) return { ok: true, messages, promptTokens };
  const over = `the prompt is ${promptTokens.toLocaleString('en-US')} tokens, over maxInputTokens ${limit.toLocaleString('en-US')}`;
  if (config.onContextOverflow !== 'truncate' || config.truncateInput === undefined) {
    return { ok: false, promptTokens, message: `${over}: nothing was sent (set onContextOverflow "truncate" with truncateInput to shorten an input instead)` };
  }
  const name = config.truncateInput;
  const original = Object.hasOwn(values, name) ? values[name] : undefined;
  if (typeof original !== 'string') {
    return { ok: false, promptTokens, message: `${over}, and input "${name}" is not text that can be truncated: nothing was sent` };
  }
  const inputTokens = tokenizer.countTokens(model, original);
  // The prompt around the input, with the marker where the cut text would end.
  const withInput = (text: string) => buildModelMessages(config, { ...values, [name]: text }, format);
  let keep = inputTokens - (promptTokens - limit);
  for (let attempt = 0; attempt < FIT_ATTEMPTS && keep >= 0; attempt++) {
    const kept = firstTokens(model, original, keep);
    const shortened = kept + truncationMarker(inputTokens - keep);
    const fitted = withInput(shortened);
    const fittedTokens = count(fitted);
    if (fittedTokens <= limit) {
      const cut: ContextCut = {
        input: name,
        tokensBefore: inputTokens,
        tokensCut: inputTokens - keep,
        charactersBefore: original.length,
        charactersKept: kept.length,
        promptTokensBefore: promptTokens,
        promptTokensAfter: fittedTokens,
      };
      return { ok: true, messages: fitted, promptTokens: fittedTokens, cut };
    }
    keep -= fittedTokens - limit;
  }
  const floor = count(withInput(truncationMarker(inputTokens)));
  return { ok: false, promptTokens, message: `${over}; even with input "${name}" cut to nothing the prompt is ${floor.toLocaleString('en-US')} tokens: nothing was sent` };
}

/** The event-log line that records what truncation cut. */
export function describeCut(cut: ContextCut, limit: number): string {
  return `input "${cut.input}" truncated to fit maxInputTokens ${limit}: kept ${cut.charactersKept} of ${cut.charactersBefore} characters (${cut.tokensCut} of ${cut.tokensBefore} tokens cut, a marker added); prompt ${cut.promptTokensBefore} -> ${cut.promptTokensAfter} tokens`;
}
