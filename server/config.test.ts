import { describe, expect, it } from 'vitest';
import { ConfigError, loadServerConfig, sandboxWorkersFrom } from './config.ts';

describe('WEFT_SANDBOX_WORKERS', () => {
  it('sets the size of the code-step sandbox pool, or leaves the default when unset', () => {
    expect(sandboxWorkersFrom({ WEFT_SANDBOX_WORKERS: '3' })).toBe(3);
    expect(sandboxWorkersFrom({})).toBeUndefined();
  });

  it.each(['0', '65', '1.5', 'two', ''])('refuses %j, naming the variable and the range', (value) => {
    expect(() => sandboxWorkersFrom({ WEFT_SANDBOX_WORKERS: value })).toThrow(ConfigError);
    expect(() => sandboxWorkersFrom({ WEFT_SANDBOX_WORKERS: value })).toThrow(/WEFT_SANDBOX_WORKERS: must be a whole number from 1 to 64/);
    expect(() => loadServerConfig({ WEFT_SANDBOX_WORKERS: value })).toThrow(/WEFT_SANDBOX_WORKERS: must be a whole number from 1 to 64/);
  });
});
