import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../shared/events.ts';
import { configuredSecrets, createEventScrubber, scrubLines } from './secret-scrub.ts';

const KEY = 'sk-local-0123456789abcdef';

describe('createEventScrubber', () => {
  it('replaces a secret in any string of an event, keys included, and leaves clean events untouched', () => {
    const scrub = createEventScrubber([KEY]);
    const leaky = { runId: 'run-1', seq: 3, at: 'now', type: 'step.log', nodeId: 'code', level: 'info', text: `key=${KEY}` } as unknown as RunEvent;
    expect(scrub(leaky)).toEqual({ ...leaky, text: 'key=[redacted]' });
    const outputs = { runId: 'run-1', seq: 4, at: 'now', type: 'step.succeeded', nodeId: 'code', outputs: { list: [{ [KEY]: `a ${KEY} b` }] } } as unknown as RunEvent;
    expect(JSON.stringify(scrub(outputs))).toBe(JSON.stringify(outputs).split(KEY).join('[redacted]'));
    const clean = { runId: 'run-1', seq: 5, at: 'now', type: 'step.log', nodeId: 'code', level: 'info', text: 'nothing' } as unknown as RunEvent;
    expect(scrub(clean)).toBe(clean);
  });
});

describe('configuredSecrets', () => {
  it('takes OPENAI_API_KEY, the key variables weft.config.json names, and extra secrets', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'weft-secrets-'));
    try {
      writeFileSync(join(cwd, 'weft.config.json'), JSON.stringify({ providers: [{ name: 'local', baseURL: 'http://127.0.0.1:1/v1', apiKeyEnv: 'LOCAL_KEY', models: ['llama'] }] }));
      const env = { OPENAI_API_KEY: KEY, LOCAL_KEY: 'local-key-abcdefgh', OTHER: 'not-a-secret-value' };
      expect(configuredSecrets({ env, cwd }, ['access-token-0123456789', undefined]).sort()).toEqual([KEY, 'access-token-0123456789', 'local-key-abcdefgh'].sort());
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe('scrubLines', () => {
  it('writes log lines with the secrets replaced', () => {
    const lines: string[] = [];
    scrubLines((line) => lines.push(line), [KEY])(`weft: request failed: bad key ${KEY}`);
    expect(lines).toEqual(['weft: request failed: bad key [redacted]']);
  });
});
