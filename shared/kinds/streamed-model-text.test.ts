import { describe, expect, it } from 'vitest';
import type { ModelConfig } from './model.ts';
import { modelKind } from './model.ts';
import { PRESENT_LIMIT_CHARS, presentModelText } from './streamed-model-text.ts';

const base: ModelConfig = { model: 'gpt-4o-mini', prompt: 'p', inputs: [] };
const objectSchema = { type: 'object', properties: { category: { type: 'string' }, reason: { type: 'string' } } };

/** Every prefix of a reply, as the deltas build it up. */
function prefixes(text: string): string[] {
  return Array.from({ length: text.length }, (_, index) => text.slice(0, index + 1));
}

describe('presentModelText', () => {
  it('shows plain text as it came', () => {
    expect(presentModelText(base, 'Hello, {"outcome": 1}')).toBe('Hello, {"outcome": 1}');
  });

  it('shows the answer inside the unsure wrapper while it arrives, never the wrapper', () => {
    const config = { ...base, allowUnsure: true };
    const reply = '{"outcome":{"status":"answer","value":"Paris is the capital."}}';
    expect(presentModelText(config, '{"outcome":{"status":"answer","value":"Par')).toBe('Par');
    expect(presentModelText(config, reply)).toBe('Paris is the capital.');
    for (const prefix of prefixes(reply)) {
      const shown = presentModelText(config, prefix);
      expect(shown).not.toContain('outcome');
      expect(shown).not.toContain('status');
      expect('Paris is the capital.'.startsWith(shown)).toBe(true);
    }
  });

  it('says why the model is unsure', () => {
    const config = { ...base, allowUnsure: true };
    expect(presentModelText(config, '{"outcome":{"status":"unsure","reason":"The invoice has no am')).toBe('Unsure: The invoice has no am');
  });

  it('shows the JSON value being built, without the {"value": …} around a non-object result', () => {
    const config: ModelConfig = { ...base, output: { type: 'json', schema: { type: 'array', items: { type: 'number' } } } };
    expect(presentModelText(config, '{"value":[1,2')).toBe(JSON.stringify([1, 2], null, 2));
    expect(presentModelText(config, '{"val')).toBe('');
  });

  it('shows an object result as the object so far, and an answer inside the unsure wrapper the same way', () => {
    const json: ModelConfig = { ...base, output: { type: 'json', schema: objectSchema } };
    expect(presentModelText(json, '{"category":"billing","reason":"Double cha')).toBe(JSON.stringify({ category: 'billing', reason: 'Double cha' }, null, 2));
    const unsure = { ...json, allowUnsure: true };
    expect(presentModelText(unsure, '{"outcome":{"status":"answer","value":{"category":"bil')).toBe(JSON.stringify({ category: 'bil' }, null, 2));
  });

  it('shows a reply that is not JSON at all as it came, and a very long one unread', () => {
    const config: ModelConfig = { ...base, output: { type: 'json', schema: objectSchema } };
    expect(presentModelText(config, 'Sorry, I cannot do that')).toBe('Sorry, I cannot do that');
    const long = `{"outcome":{"status":"answer","value":"${'a'.repeat(PRESENT_LIMIT_CHARS)}`;
    expect(presentModelText({ ...base, allowUnsure: true }, long)).toBe(long);
  });

  it('is what the model kind declares for its streamed text', () => {
    expect(modelKind.streamsText?.present({ ...base, allowUnsure: true }, '{"outcome":{"status":"answer","value":"Hi')).toBe('Hi');
  });
});
