import { describe, expect, it } from 'vitest';
import { costUsd, findPrice, formatUsd, OPENAI_PRICES, PRICES_TAKEN_ON } from './pricing.ts';

describe('findPrice', () => {
  it('finds a model by its exact name', () => {
    expect(findPrice('gpt-4o-mini')).toEqual({ inputPerMillion: 0.15, cachedInputPerMillion: 0.075, outputPerMillion: 0.6 });
  });

  it('prices dated snapshots like their family', () => {
    expect(findPrice('gpt-4o-mini-2024-07-18')).toBe(OPENAI_PRICES['gpt-4o-mini']);
    expect(findPrice('gpt-4.1-nano-2025-04-14')).toBe(OPENAI_PRICES['gpt-4.1-nano']);
    expect(findPrice('gpt-3.5-turbo-0125')).toBe(OPENAI_PRICES['gpt-3.5-turbo']);
  });

  it('keeps a snapshot with its own price', () => {
    expect(findPrice('gpt-4o-2024-05-13')?.inputPerMillion).toBe(5);
    expect(findPrice('gpt-4o-2024-08-06')?.inputPerMillion).toBe(2.5);
  });

  it('leaves unknown models unpriced rather than free', () => {
    expect(findPrice('llama3.1:8b')).toBeUndefined();
    expect(findPrice('gpt-4o-mini-turbo')).toBeUndefined();
    expect(findPrice('toString')).toBeUndefined();
  });

  it('covers the current families and says when it was taken', () => {
    for (const model of ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'o3', 'o4-mini', 'gpt-5', 'gpt-5-mini', 'gpt-5-nano']) {
      expect(findPrice(model), model).toBeDefined();
    }
    expect(PRICES_TAKEN_ON).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('looks up a custom table', () => {
    expect(findPrice('llama3', { llama3: { inputPerMillion: 0, outputPerMillion: 0 } })).toEqual({ inputPerMillion: 0, outputPerMillion: 0 });
  });
});

describe('costUsd', () => {
  const price = { inputPerMillion: 2, cachedInputPerMillion: 0.5, outputPerMillion: 8 };

  it('multiplies tokens by the per-million prices', () => {
    expect(costUsd({ inputTokens: 1_000_000, outputTokens: 0 }, price)).toBe(2);
    expect(costUsd({ inputTokens: 1000, outputTokens: 500 }, price)).toBeCloseTo(0.002 + 0.004, 12);
  });

  it('bills cached tokens, which are part of the input tokens, at the cached rate', () => {
    expect(costUsd({ inputTokens: 1000, cachedInputTokens: 400, outputTokens: 0 }, price)).toBeCloseTo((600 * 2 + 400 * 0.5) / 1e6, 12);
  });

  it('bills cached tokens at the input rate when the model has no cached price', () => {
    expect(costUsd({ inputTokens: 1000, cachedInputTokens: 400, outputTokens: 0 }, { inputPerMillion: 1, outputPerMillion: 1 })).toBeCloseTo(0.001, 12);
  });

  it('never counts more cached tokens than input tokens', () => {
    expect(costUsd({ inputTokens: 100, cachedInputTokens: 500, outputTokens: 0 }, price)).toBeCloseTo((100 * 0.5) / 1e6, 12);
  });

  it('is zero for a free local model', () => {
    expect(costUsd({ inputTokens: 5000, outputTokens: 5000 }, { inputPerMillion: 0, outputPerMillion: 0 })).toBe(0);
  });
});

describe('formatUsd', () => {
  it('shows dollars with cents', () => {
    expect(formatUsd(1.234)).toBe('$1.23');
    expect(formatUsd(12)).toBe('$12.00');
    expect(formatUsd(0)).toBe('$0.00');
  });

  it('keeps two significant digits of small amounts', () => {
    expect(formatUsd(0.5)).toBe('$0.50');
    expect(formatUsd(0.0123)).toBe('$0.012');
    expect(formatUsd(0.00042)).toBe('$0.00042');
    expect(formatUsd(0.0000001)).toBe('<$0.000001');
  });

  it('says unpriced for an unknown price', () => {
    expect(formatUsd(null)).toBe('unpriced');
  });
});
