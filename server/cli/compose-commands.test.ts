/**
 * `weft validate`, `weft run` and `weft estimate` on flows that call flows, read from the flows
 * directory of the file: the real bin in a child process, the simulated model endpoint.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeFlow } from '../../shared/canonical.ts';
import type { Flow } from '../../shared/flow.ts';
import { flow } from '../../shared/testing/flow-builder.ts';

const root = new URL('../../', import.meta.url).pathname;

function weft(...args: string[]) {
  const env = { ...process.env };
  delete env.OPENAI_API_KEY;
  delete env.OPENAI_BASE_URL;
  const result = spawnSync(process.execPath, ['bin/weft.mjs', ...args], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

function directory(...flows: Flow[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-compose-'));
  for (const entry of flows) writeFileSync(join(dir, `${entry.id}.flow.json`), serializeFlow(entry));
  return dir;
}

const shout = flow('shout', 'Shout')
  .input('in', { text: 'string' })
  .code('upper', { inputs: { text: 'string' }, outputs: { shout: 'string' }, source: 'export default ({ text }) => ({ shout: text.toUpperCase() })' })
  .output('out', { shout: 'string' })
  .wire('in.text', 'upper.text')
  .wire('upper.shout', 'out.shout')
  .build();

const caller = (id: string, calls: string, textType: 'string' | 'number' = 'string') =>
  flow(id, id)
    .input('in', { text: textType })
    .node({ id: 'call', kind: 'subflow', config: { flow: calls } })
    .output('out', { shout: 'string' })
    .wire('in.text', 'call.text')
    .wire('call.shout', 'out.shout')
    .build();

describe('weft on flows that call flows', () => {
  it('validate reads called flows from the file\'s directory and refuses what does not hold', () => {
    const mapper = flow('mapper').input('in', { texts: 'json' }).node({ id: 'each', kind: 'map', config: { flow: 'shout', itemInput: 'body' } }).wire('in.texts', 'each.items').build();
    const cycleA = flow('cycle-a').node({ id: 'call', kind: 'subflow', config: { flow: 'cycle-b' } }).build();
    const cycleB = flow('cycle-b').node({ id: 'call', kind: 'subflow', config: { flow: 'cycle-a' } }).build();
    const dir = directory(shout, caller('good', 'shout'), caller('missing', 'nowhere'), caller('mismatch', 'shout', 'number'), mapper, cycleA, cycleB);
    const file = (id: string) => join(dir, `${id}.flow.json`);
    const { code, out } = weft('validate', file('good'), file('missing'), file('mismatch'), file('mapper'), file('cycle-a'));
    expect(code).toBe(2);
    expect(out).toContain(`${file('good')}: valid`);
    expect(out).toContain('[missing-flow] (node call) node "call": there is no flow "nowhere"');
    expect(out).toContain('[type-mismatch] (node call, port text) wire in.text -> call.text: number cannot feed string');
    expect(out).toContain('[config] (node each) node "each" (map): nodes[0].config.itemInput: flow "shout" has no input "body" (its inputs: text)');
    expect(out).toContain('[flow-cycle] (node call) node "call": flows call each other in a cycle: cycle-a -> cycle-b -> cycle-a');
  }, 60_000);

  it('run maps the example batch over its child flow and estimate prices it per item and for N items', () => {
    const tickets = JSON.stringify({ tickets: ['I was charged twice', 'The app crashes on login', 'Add dark mode'] });
    const ran = weft('run', 'flows/triage-batch.flow.json', '--input', tickets);
    expect(ran.code).toBe(0);
    expect(ran.out).toContain('each: 3 of 3 items done');
    const outputs = JSON.parse(ran.out.slice(ran.out.indexOf('outputs:\n') + 'outputs:\n'.length)) as { routed: Array<Record<string, unknown>>; failures: unknown[] };
    expect(outputs.routed).toHaveLength(3);
    // Each result is the child's output: the one port of its switch that fired.
    for (const routed of outputs.routed) expect(Object.keys(routed)).toHaveLength(1);
    expect(outputs.failures).toEqual([]);

    const estimated = weft('estimate', 'flows/triage-batch.flow.json', '--items', '200');
    expect(estimated.code).toBe(0);
    const perItem = /each: \$([\d.]+) per item, \$([\d.]+) for 200 items/.exec(estimated.out);
    expect(perItem).not.toBeNull();
    expect(Number(perItem![2])).toBeCloseTo(Number(perItem![1]) * 200, 2);
    expect(weft('estimate', 'flows/triage-batch.flow.json', '--items', 'many').err).toContain('--items: a whole number from 1 to 10000');
  }, 90_000);

  it('run stops at an approval inside a child run, and decides it with --approve', () => {
    const reviewed = flow('reviewed', 'Reviewed')
      .input('in', { text: 'string' })
      .approval('check', { title: 'Shout it?' })
      .output('out', { shout: 'string' })
      .wire('in.text', 'check.payload')
      .wire('check.approved', 'out.shout')
      .build();
    const dir = directory(reviewed, caller('asks', 'reviewed'));
    const stopped = weft('run', join(dir, 'asks.flow.json'), '--input', '{"text":"hi"}');
    expect(stopped.code).toBe(3);
    expect(stopped.out).toMatch(/stopped: "check" in child run run-c[0-9a-f]+ \(of reviewed\) waits for a decision \(Shout it\?\); run again with --approve check/);
    const approved = weft('run', join(dir, 'asks.flow.json'), '--input', '{"text":"hi"}', '--approve', 'check');
    expect(approved.code).toBe(0);
    expect(approved.out).toContain('"shout": "hi"');
  }, 60_000);
});
