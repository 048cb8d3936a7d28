import { describe, expect, it } from 'vitest';
import { createRedactor } from './redact.ts';

describe('createRedactor', () => {
  it('removes the exact key, key-shaped strings and bearer tokens', () => {
    const redact = createRedactor(['local-secret-123']);
    expect(redact('key local-secret-123 rejected')).toBe('key [redacted] rejected');
    expect(redact('Incorrect API key provided: sk-proj-abc1****wxyz.')).toBe('Incorrect API key provided: [redacted].');
    expect(redact('header Authorization: Bearer abc.def')).toBe('header Authorization: Bearer [redacted]');
    expect(redact('nothing secret here')).toBe('nothing secret here');
  });
});
