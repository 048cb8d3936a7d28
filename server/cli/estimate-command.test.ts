/** `weft estimate` with a context budget: the real bin in a child process, checked by its output. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;

function weft(...args: string[]) {
  const env = { ...process.env };
  delete env.OPENAI_API_KEY;
  delete env.OPENAI_BASE_URL;
  const result = spawnSync(process.execPath, ['bin/weft.mjs', ...args], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

/** ticket-triage with a context budget on its model step. */
function triageWith(context: Record<string, unknown>): string {
  const flow = JSON.parse(readFileSync(join(root, 'flows/ticket-triage.flow.json'), 'utf8')) as { $schema?: string; nodes: Array<{ id: string; config: Record<string, unknown> }> };
  delete flow.$schema;
  const classify = flow.nodes.find((node) => node.id === 'classify')!;
  Object.assign(classify.config, context);
  const file = join(mkdtempSync(join(tmpdir(), 'weft-estimate-')), 'ticket-triage.flow.json');
  writeFileSync(file, JSON.stringify(flow));
  return file;
}

const longTicket = JSON.stringify({ text: 'My invoice is wrong and nobody answers. '.repeat(300) });

describe('weft estimate: context budget', () => {
  it('counts a truncated prompt at most its limit', () => {
    const { code, out } = weft('estimate', triageWith({ maxInputTokens: 400, onContextOverflow: 'truncate', truncateInput: 'text' }), '--input', longTicket);
    expect(code).toBe(0);
    const match = /classify\s+gpt-4o-mini \(simulated\)\s+(\d+) of 400 \(truncated\)/.exec(out);
    expect(match).not.toBeNull();
    expect(Number(match![1])).toBeLessThanOrEqual(400);
  });

  it('says a step whose prompt is over its limit would fail before sending', () => {
    const { code, out } = weft('estimate', triageWith({ maxInputTokens: 400 }), '--input', longTicket);
    expect(code).toBe(0);
    expect(out).toMatch(/context: step "classify" has a \d+-token prompt, over its maxInputTokens 400: it would fail before sending/);
  });
});
