import { describe, expect, it } from 'vitest';
import { countTokens, encodingForModel, truncateToTokens, warmTokenizers } from './tokens.ts';

// First in the file: o200k must not be built yet.
describe('warmTokenizers', () => {
  it('builds the table a slice at a time, letting other work run in between', async () => {
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    await warmTokenizers(['o200k_base']);
    clearInterval(ticker);
    expect(ticks).toBeGreaterThan(1);
    expect(countTokens('gpt-4o', 'Hello world')).toBe(2);
  });
});

describe('tokens', () => {
  it('picks o200k for current models and unknown ones, cl100k for gpt-3.5 and gpt-4', () => {
    for (const model of ['gpt-4o', 'gpt-4o-mini-2024-07-18', 'gpt-4.1-nano', 'o3', 'o4-mini', 'gpt-5', 'llama3.1:8b', 'meta/llama-3']) expect(encodingForModel(model), model).toBe('o200k_base');
    for (const model of ['gpt-3.5-turbo', 'gpt-4', 'gpt-4-turbo', 'gpt-4-0613', 'openai/gpt-4']) expect(encodingForModel(model), model).toBe('cl100k_base');
  });

  it('counts as the tokenizers do', () => {
    expect(countTokens('gpt-4o', '')).toBe(0);
    expect(countTokens('gpt-4o', 'Hello world')).toBe(2);
    expect(countTokens('gpt-4', 'Hello world')).toBe(2);
    expect(countTokens('gpt-4o', 'The quick brown fox jumps over the lazy dog.')).toBe(10);
  });

  it('counts special-token text in user input as plain text instead of throwing', () => {
    expect(countTokens('gpt-4o', 'a <|endoftext|> b')).toBeGreaterThan(3);
  });

  it('cuts a text at a token count', () => {
    expect(truncateToTokens('gpt-4o', 'Hello world, how are you?', 2)).toEqual({ text: 'Hello world', truncated: true });
    expect(truncateToTokens('gpt-4o', 'Hi', 5)).toEqual({ text: 'Hi', truncated: false });
  });
});
