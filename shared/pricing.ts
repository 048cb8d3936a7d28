/**
 * Model prices and cost arithmetic. Pure and browser-safe: the canvas shows estimates with the
 * same arithmetic the server uses to settle cost.
 */

/** US dollars per million tokens. Cached input tokens are billed at `cachedInputPerMillion` when given. */
export interface ModelPrice {
  inputPerMillion: number;
  cachedInputPerMillion?: number;
  outputPerMillion: number;
}

export interface TokenUsage {
  /** All prompt tokens, cached ones included (as OpenAI reports `prompt_tokens`). */
  inputTokens: number;
  /** The part of `inputTokens` served from the prompt cache. */
  cachedInputTokens?: number;
  outputTokens: number;
}

/**
 * When the table below was last checked against OpenAI's standard (non-batch) price list. On
 * 2026-11-26 it was checked (no access to openai.com from where it was written) against published
 * copies of that list dated March to November 2026: every older entry matched, and the GPT-5.4 and
 * GPT-5.5 families were added. Prices change: check https://developers.openai.com/api/docs/pricing
 * and update the table and this date. A provider's own `prices` in weft.config.json override it.
 */
export const PRICES_TAKEN_ON = '2026-11-26';

/** OpenAI list prices (standard tier), keyed by model family name. */
export const OPENAI_PRICES: Readonly<Record<string, ModelPrice>> = {
  'gpt-5.5': { inputPerMillion: 5, cachedInputPerMillion: 0.5, outputPerMillion: 30 },
  'gpt-5.4': { inputPerMillion: 2.5, cachedInputPerMillion: 0.25, outputPerMillion: 15 },
  'gpt-5.4-mini': { inputPerMillion: 0.75, cachedInputPerMillion: 0.075, outputPerMillion: 4.5 },
  'gpt-5.4-nano': { inputPerMillion: 0.2, cachedInputPerMillion: 0.02, outputPerMillion: 1.25 },
  'gpt-5': { inputPerMillion: 1.25, cachedInputPerMillion: 0.125, outputPerMillion: 10 },
  'gpt-5-mini': { inputPerMillion: 0.25, cachedInputPerMillion: 0.025, outputPerMillion: 2 },
  'gpt-5-nano': { inputPerMillion: 0.05, cachedInputPerMillion: 0.005, outputPerMillion: 0.4 },
  'gpt-4.1': { inputPerMillion: 2, cachedInputPerMillion: 0.5, outputPerMillion: 8 },
  'gpt-4.1-mini': { inputPerMillion: 0.4, cachedInputPerMillion: 0.1, outputPerMillion: 1.6 },
  'gpt-4.1-nano': { inputPerMillion: 0.1, cachedInputPerMillion: 0.025, outputPerMillion: 0.4 },
  'gpt-4o': { inputPerMillion: 2.5, cachedInputPerMillion: 1.25, outputPerMillion: 10 },
  /** The first gpt-4o snapshot kept its launch price; listed so the snapshot rule does not underprice it. */
  'gpt-4o-2024-05-13': { inputPerMillion: 5, outputPerMillion: 15 },
  'gpt-4o-mini': { inputPerMillion: 0.15, cachedInputPerMillion: 0.075, outputPerMillion: 0.6 },
  o3: { inputPerMillion: 2, cachedInputPerMillion: 0.5, outputPerMillion: 8 },
  'o3-mini': { inputPerMillion: 1.1, cachedInputPerMillion: 0.55, outputPerMillion: 4.4 },
  'o4-mini': { inputPerMillion: 1.1, cachedInputPerMillion: 0.275, outputPerMillion: 4.4 },
  o1: { inputPerMillion: 15, cachedInputPerMillion: 7.5, outputPerMillion: 60 },
  'gpt-4-turbo': { inputPerMillion: 10, outputPerMillion: 30 },
  'gpt-4': { inputPerMillion: 30, outputPerMillion: 60 },
  'gpt-3.5-turbo': { inputPerMillion: 0.5, outputPerMillion: 1.5 },
};

/** `gpt-4o-mini-2024-07-18` -> `gpt-4o-mini`; also `-latest` aliases. */
const SNAPSHOT_SUFFIX = /-(\d{4}-\d{2}-\d{2}|\d{4}|latest)$/;

/**
 * The price of a model in a table: the exact name first, then the name without a dated snapshot
 * suffix, so `gpt-4.1-2025-04-14` costs what `gpt-4.1` costs. undefined when unknown: an unknown
 * model is unpriced, never free.
 */
export function findPrice(model: string, table: Readonly<Record<string, ModelPrice>> = OPENAI_PRICES): ModelPrice | undefined {
  if (Object.hasOwn(table, model)) return table[model];
  const family = model.replace(SNAPSHOT_SUFFIX, '');
  if (family !== model && Object.hasOwn(table, family)) return table[family];
  return undefined;
}

/** Cost in US dollars of one request's usage. Cached tokens are part of `inputTokens`. */
export function costUsd(usage: TokenUsage, price: ModelPrice): number {
  const cached = Math.min(Math.max(usage.cachedInputTokens ?? 0, 0), usage.inputTokens);
  const uncached = usage.inputTokens - cached;
  const cachedRate = price.cachedInputPerMillion ?? price.inputPerMillion;
  return (uncached * price.inputPerMillion + cached * cachedRate + usage.outputTokens * price.outputPerMillion) / 1_000_000;
}

/**
 * `$1.23`, `$0.012`, `$0.00042`: two significant digits below a dollar so small model costs stay
 * readable; `unpriced` for null (an unknown price is never shown as $0).
 */
export function formatUsd(usd: number | null): string {
  if (usd === null) return 'unpriced';
  if (!Number.isFinite(usd)) return String(usd);
  const sign = usd < 0 ? '-' : '';
  const amount = Math.abs(usd);
  if (amount === 0) return '$0.00';
  if (amount >= 0.995) return `${sign}$${amount.toFixed(2)}`;
  if (amount < 0.000_000_5) return `${sign}<$0.000001`;
  const decimals = Math.max(2, 1 - Math.floor(Math.log10(amount)));
  return `${sign}$${amount.toFixed(decimals)}`;
}

/**
 * The most one request may cost: every prompt token uncached and the reply running to its token
 * cap. What budgets reserve before a model step sends anything; null when the model is unpriced.
 */
/** What cached prompt tokens saved: their count at the input rate less the cached-input rate. */
export function cachedSavingUsd(usage: Pick<TokenUsage, 'inputTokens' | 'cachedInputTokens'>, price: ModelPrice): number {
  const cached = Math.min(Math.max(usage.cachedInputTokens ?? 0, 0), usage.inputTokens);
  return (cached * (price.inputPerMillion - (price.cachedInputPerMillion ?? price.inputPerMillion))) / 1_000_000;
}

export function worstCaseUsd(price: ModelPrice | undefined, promptTokens: number, maxTokens: number): number | null {
  return price ? costUsd({ inputTokens: promptTokens, outputTokens: maxTokens }, price) : null;
}
