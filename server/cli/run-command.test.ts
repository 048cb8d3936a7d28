/**
 * `weft run` end to end: the real bin in a child process, the real engine, sandbox and simulated
 * model endpoint, checked by exit code and output.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runEventSchema } from '../../shared/events.ts';

const root = new URL('../../', import.meta.url).pathname;

function weft(...args: string[]) {
  const env = { ...process.env };
  delete env.OPENAI_API_KEY;
  delete env.OPENAI_BASE_URL;
  const result = spawnSync(process.execPath, ['bin/weft.mjs', ...args], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

const bigInvoice = JSON.stringify({ invoice: { vendor: 'Acme Office Supplies', amount: 5000, currency: 'EUR' } });

describe('weft run', () => {
  it('exits 0 and prints progress and outputs when the run succeeds', () => {
    const { code, out } = weft('run', 'flows/invoice-approval.flow.json', '--input', JSON.stringify({ invoice: { vendor: 'Acme Office Supplies', amount: 10, currency: 'EUR' } }));
    expect(code).toBe(0);
    expect(out).toContain('ok policy');
    expect(out).toContain('- manager skipped: policy.needsApproval did not fire');
    expect(out).toContain('"auto_approved"');
  });

  it('exits 3 when it stops at an approval it was given no decision for, and 0 with --approve', () => {
    const stopped = weft('run', 'flows/invoice-approval.flow.json', '--input', bigInvoice);
    expect(stopped.code).toBe(3);
    expect(stopped.out).toContain('--approve manager');
    const approved = weft('run', 'flows/invoice-approval.flow.json', '--input', bigInvoice, '--approve', 'manager', '--comment', 'fine');
    expect(approved.code).toBe(0);
    expect(approved.out).toContain('manager approved by cli: fine');
    const rejected = weft('run', 'flows/invoice-approval.flow.json', '--input', bigInvoice, '--reject', 'manager', '--comment', 'too much');
    expect(rejected.code).toBe(0);
    expect(rejected.out).toContain('"rejected": "too much"');
  }, 90_000);

  it('exits 2 and runs nothing when the inputs are wrong-typed or the flow is invalid', () => {
    const wrongType = weft('run', 'flows/invoice-approval.flow.json', '--input', '{"invoice":"not an object"}');
    expect(wrongType.code).toBe(2);
    expect(wrongType.err).toContain('input "invoice" value breaks its schema at /: Instance type "string" is invalid. Expected "object"');
    expect(wrongType.out).toBe('');
    const badJson = weft('run', 'flows/invoice-approval.flow.json', '--input', '{"invoice":');
    expect(badJson.code).toBe(2);
    expect(badJson.err).toContain('--input: not valid JSON at line 1');
    const dir = mkdtempSync(join(tmpdir(), 'weft-cli-'));
    const broken = join(dir, 'broken.flow.json');
    writeFileSync(broken, '{"schemaVersion":1,"id":"broken","name":"x","nodes":[{"id":"a","kind":"nope","position":{"x":0,"y":0},"config":{}}],"edges":[]}');
    const invalid = weft('run', broken);
    expect(invalid.code).toBe(2);
    expect(invalid.err).toContain('unknown kind "nope"');
    expect(weft('run', 'flows/invoice-approval.flow.json', '--input', bigInvoice, '--approve', 'policy').code).toBe(2);
  }, 60_000);

  it('exits 1 when a step fails', () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-cli-'));
    const file = join(dir, 'throws.flow.json');
    writeFileSync(
      file,
      JSON.stringify({
        schemaVersion: 1,
        id: 'throws',
        name: 'Throws',
        nodes: [
          { id: 'in', kind: 'input', position: { x: 0, y: 0 }, config: { fields: [{ name: 'n', type: 'number' }] } },
          { id: 'boom', kind: 'code', position: { x: 1, y: 0 }, config: { language: 'javascript', source: 'export default function (inputs) {\n  throw new Error("no " + inputs.n);\n}\n', inputs: [{ name: 'n', type: 'number' }], outputs: [{ name: 'n', type: 'number' }] } },
          { id: 'out', kind: 'output', position: { x: 2, y: 0 }, config: { fields: [{ name: 'n', type: 'number' }] } },
        ],
        edges: [
          { from: 'in.n', to: 'boom.n' },
          { from: 'boom.n', to: 'out.n' },
        ],
      }),
    );
    const { code, out } = weft('run', file, '--input', '{"n":7}');
    expect(code).toBe(1);
    expect(out).toContain('FAILED boom: Error: no 7 (line 2)');
  });

  it('--json prints the event log as JSON lines with gapless seq, simulated costs and no key', () => {
    const { code, out } = weft('run', 'flows/ticket-triage.flow.json', '--input', '{"text":"The export button crashes the app"}', '--json');
    expect(code).toBe(0);
    const events = out.trim().split('\n').map((line) => runEventSchema.parse(JSON.parse(line)));
    events.forEach((event, index) => expect(event.seq).toBe(index + 1));
    expect(events[0]!.type).toBe('run.started');
    expect(events.at(-1)!.type).toBe('run.succeeded');
    const finalCost = events.find((event) => event.type === 'step.cost' && event.final);
    expect(finalCost).toMatchObject({ nodeId: 'classify', simulated: true });
  });
});

describe('weft estimate', () => {
  it('prints each model step worst case and the total', () => {
    const { code, out } = weft('estimate', 'flows/model-cascade.flow.json');
    expect(code).toBe(0);
    expect(out).toMatch(/cheap\s+gpt-4\.1-nano \(simulated\)\s+\d+\s+400\s+\$/);
    expect(out).toMatch(/strong\s+gpt-4\.1 \(simulated\)\s+\d+\s+800\s+\$/);
    expect(out).toMatch(/total worst case: \$0\.\d+/);
    expect(out).toContain('the worst case fits');
  });
});
