/** `weft validate` (the real CLI, as a child process) refuses schemas that would fail only at run time. */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeFlow } from '../../shared/canonical.ts';
import type { JsonSchema } from '../../shared/json-schema.ts';
import { flow } from '../../shared/testing/flow-builder.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-validate-schemas-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A flow whose model step replies JSON under `schema`. */
async function modelFlowFile(name: string, schema: JsonSchema): Promise<string> {
  const document = flow(name)
    .input('ticket', { text: 'string' })
    .model('ask', { output: { type: 'json', schema } })
    .output('result', { answer: 'json' })
    .wire('ticket.text', 'ask.text')
    .wire('ask.result', 'result.answer')
    .build();
  const path = join(dir, `${name}.flow.json`);
  await writeFile(path, serializeFlow(document), 'utf8');
  return path;
}

function validate(path: string) {
  return spawnSync(process.execPath, ['bin/weft.mjs', 'validate', path], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 });
}

describe('weft validate: schemas', () => {
  it('refuses a $ref cycle (a -> b -> a) before anything runs', async () => {
    const path = await modelFlowFile('ref-cycle', { $defs: { a: { $ref: '#/$defs/b' }, b: { $ref: '#/$defs/a' } }, type: 'object', properties: { x: { $ref: '#/$defs/a' } } });
    const result = validate(path);
    expect(result.status).toBe(2);
    expect(result.stdout).toMatch(/\[bad-schema\].*\$ref cycle \/\$defs\/a -> \/\$defs\/b -> \/\$defs\/a/);
  });

  it('accepts a recursive schema that steps into the value (a tree)', async () => {
    const path = await modelFlowFile('tree', { $defs: { node: { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/$defs/node' } } } } }, $ref: '#/$defs/node' });
    const result = validate(path);
    expect(result.stdout).toContain(': valid');
    expect(result.status).toBe(0);
  });

  it('refuses a $ref that points nowhere', async () => {
    const result = validate(await modelFlowFile('dangling', { type: 'object', properties: { x: { $ref: '#/$defs/missing' } } }));
    expect(result.status).toBe(2);
    expect(result.stdout).toMatch(/\$ref "#\/\$defs\/missing" points nowhere/);
  });

  it('refuses patterns the linear-time engine cannot run (backreference, lookahead), naming them', async () => {
    const back = validate(await modelFlowFile('backreference', { type: 'object', properties: { x: { type: 'string', pattern: '^(a)\\1$' } } }));
    expect(back.status).toBe(2);
    expect(back.stdout).toMatch(/pattern "\^\(a\)\\1\$" cannot be used/);
    const ahead = validate(await modelFlowFile('lookahead', { type: 'object', patternProperties: { '^(?=x)': { type: 'string' } } }));
    expect(ahead.status).toBe(2);
    expect(ahead.stdout).toMatch(/patternProperties: pattern "\^\(\?=x\)" cannot be used/);
  });
});
