/**
 * The example flows' cases, evaluated as CI does: the real bin in a child process with `--replay`,
 * so model steps are answered from `flows/<id>.recordings.jsonl` alone. The provider points at a
 * closed port, so a request that slipped past the recordings would fail its case.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const flows = readdirSync(`${root}flows`).filter((name) => name.endsWith('.cases.jsonl')).map((name) => `flows/${name.replace('.cases.jsonl', '.flow.json')}`).sort();

describe('weft eval --replay on the examples in flows/', () => {
  it('covers every example flow', () => {
    expect(flows).toEqual(['flows/invoice-approval.flow.json', 'flows/model-cascade.flow.json', 'flows/ticket-triage.flow.json']);
  });

  it.each(flows)('%s passes every case at no cost', (flow) => {
    const env = { ...process.env, OPENAI_API_KEY: 'sk-unused', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' };
    const result = spawnSync(process.execPath, ['bin/weft.mjs', 'eval', flow, '--replay', '--json'], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as { variants: Array<{ summary: { passed: number; cases: number; totalCostUsd: number } }> };
    expect(report.variants[0]!.summary.passed).toBe(report.variants[0]!.summary.cases);
    expect(report.variants[0]!.summary.totalCostUsd).toBe(0);
  }, 60_000);
});
