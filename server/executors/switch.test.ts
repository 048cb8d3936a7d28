/**
 * The switch kind through the validator, the engine and `weft run` (a real child process).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeFlow } from '../../shared/canonical.ts';
import { switchKind } from '../../shared/kinds/switch.ts';
import { flow, problemsOf } from '../../shared/testing/flow-builder.ts';
import { startRun } from '../engine/index.ts';
import { harness } from '../engine/testing/engine-harness.ts';
import { validateFlowDocument } from '../../shared/validate.ts';
import { executors } from './index.ts';

const root = new URL('../../', import.meta.url).pathname;

const routeConfig = {
  cases: [
    { port: 'urgent', when: { any: [{ path: 'priority', op: 'eq', value: 'high' }, { path: 'score', op: 'gte', value: 0.9 }] } },
    { port: 'billing', when: { path: 'tags', op: 'contains', value: 'billing' } },
  ],
  otherwise: 'normal',
};

function routed(config: Record<string, unknown> = routeConfig) {
  return flow('routed')
    .input('in', { ticket: 'json' })
    .node({ id: 'route', kind: 'switch', config })
    .output('out', { urgent: 'json', billing: 'json', normal: 'json' })
    .wire('in.ticket', 'route.value')
    .wire('route.urgent', 'out.urgent')
    .wire('route.billing', 'out.billing')
    .wire('route.normal', 'out.normal')
    .build();
}

describe('switch: validation', () => {
  it('accepts the default config and a flow wiring its case ports', () => {
    expect(switchKind.configSchema.safeParse(switchKind.defaultConfig()).success).toBe(true);
    expect(problemsOf(routed())).toEqual([]);
  });

  it('refuses a bad condition at its path, a duplicate port, a wire from a port no case names, and code', () => {
    const badCondition = problemsOf(routed({ ...routeConfig, cases: [{ port: 'urgent', when: { path: 'priority', op: 'in', value: 'high' } }, routeConfig.cases[1]] }));
    expect(badCondition).toEqual([expect.objectContaining({ rule: 'config', path: 'nodes[1].config.cases[0].when.value', nodeId: 'route' })]);
    expect(badCondition[0]!.message).toMatch(/"in" takes a list of values/);

    const duplicate = problemsOf(routed({ ...routeConfig, otherwise: 'urgent' }));
    expect(duplicate.map((problem) => problem.rule)).toContain('duplicate-port');

    const missing = problemsOf(routed({ cases: [routeConfig.cases[0]], otherwise: 'normal' }));
    expect(missing).toEqual([expect.objectContaining({ rule: 'missing-port', message: expect.stringMatching(/switch node "route" has no output port "billing"/) })]);

    const code = problemsOf(routed({ ...routeConfig, cases: [{ port: 'urgent', when: { code: 'ticket.priority === "high"' } }] }));
    expect(code[0]).toMatchObject({ rule: 'config', path: 'nodes[1].config.cases[0].when' });
    expect(problemsOf(routed({ cases: [], otherwise: 'normal' }))[0]).toMatchObject({ rule: 'config', path: 'nodes[1].config.cases' });
  });

  it('says each case in words beside its port', () => {
    const ports = switchKind.ports(routeConfig as never);
    expect(ports.outputs.map((port) => [port.name, port.caption])).toEqual([
      ['urgent', 'priority is "high" or score ≥ 0.9'],
      ['billing', 'tags contains "billing"'],
      ['normal', 'otherwise'],
    ]);
  });
});

describe('switch: in the engine', () => {
  it.each([
    [{ priority: 'high', tags: ['billing'] }, { urgent: { priority: 'high', tags: ['billing'] } }, ['billing', 'normal']],
    [{ priority: 'low', score: 0.95 }, { urgent: { priority: 'low', score: 0.95 } }, ['billing', 'normal']],
    [{ priority: 'low', tags: ['billing'] }, { billing: { priority: 'low', tags: ['billing'] } }, ['urgent', 'normal']],
    [{ priority: 'low', tags: [] }, { normal: { priority: 'low', tags: [] } }, ['urgent', 'billing']],
  ])('routes %j to the first case that holds; the other ports do not fire', async (ticket, outputs, silent) => {
    const h = harness({}, {});
    const run = startRun('s1', routed(), { ticket }, { ...h.options, executors });
    expect(await run.finished()).toBe('succeeded');
    expect(h.of('run.succeeded')[0]!.outputs).toEqual(outputs);
    const fired = Object.keys(h.of('step.succeeded').find((event) => event.nodeId === 'route')!.outputs);
    expect(fired).toEqual(Object.keys(outputs));
    for (const port of silent) expect(fired).not.toContain(port);
  });

  it('without otherwise, fires nothing when no case holds, and what it feeds is skipped', async () => {
    const document = flow('no-otherwise')
      .input('in', { ticket: 'json' })
      .node({ id: 'route', kind: 'switch', config: { cases: [routeConfig.cases[1]] } })
      .code('notify', { inputs: { ticket: 'any' }, outputs: { ticket: 'any' } })
      .output('out', { ticket: 'any' })
      .wire('in.ticket', 'route.value')
      .wire('route.billing', 'notify.ticket')
      .wire('notify.ticket', 'out.ticket')
      .build();
    expect(validateFlowDocument(document).ok).toBe(true);
    const h = harness();
    const run = startRun('s2', document, { ticket: { tags: [] } }, { ...h.options, executors: { ...executors, code: h.options.executors.code } });
    expect(await run.finished()).toBe('succeeded');
    expect(h.of('step.skipped').map((event) => [event.nodeId, event.reason])).toEqual([
      ['notify', 'route.billing did not fire'],
      ['out', 'notify.ticket did not fire'],
    ]);
  });
});

describe('switch: weft run', () => {
  it('routes a value from a flow file and validates it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-switch-'));
    const file = join(dir, 'routed.flow.json');
    writeFileSync(file, serializeFlow(routed()));
    const env = { ...process.env };
    delete env.OPENAI_API_KEY;
    const validated = spawnSync(process.execPath, ['bin/weft.mjs', 'validate', file], { cwd: root, env, encoding: 'utf8' });
    expect(validated.stdout).toBe(`${file}: valid\n`);
    const ran = spawnSync(process.execPath, ['bin/weft.mjs', 'run', file, '--input', JSON.stringify({ ticket: { priority: 'low', tags: ['billing'] } })], { cwd: root, env, encoding: 'utf8' });
    expect(ran.status).toBe(0);
    expect(ran.stdout).toContain('"billing": {');
    expect(ran.stdout).not.toContain('"urgent"');
  }, 60_000);
});
