/** `weft flows export|import DIR` through the real CLI (bin/weft.mjs), against files and a fresh database. */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { serializeFlow } from '../../shared/canonical.ts';
import { echoFlow, reviewFlow } from '../testing/fixture-flows.ts';
import { makeTempDirs, type TempDirs } from '../testing/temp-dirs.ts';
import { describeWithDatabase } from '../store/postgres/testing/test-database.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

let dirs: TempDirs;
afterEach(() => dirs?.remove());

function weft(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { WEFT_DATABASE_URL: _url, WEFT_FLOWS_DIR: _dir, ...rest } = process.env;
  const child = spawn(process.execPath, ['bin/weft.mjs', ...args], { cwd: REPO_ROOT, env: { ...rest, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** A directory of flow files as people write them: valid, not canonical (one line, keys in any order). */
function writeFlows(directory: string, files: Record<string, string>): string {
  mkdirSync(directory, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(directory, name), text);
  return directory;
}

describeWithDatabase('weft flows against PostgreSQL', (database) => {
  async function versions(): Promise<Array<{ flow_id: string; version: number }>> {
    const client = new pg.Client({ connectionString: database().url });
    await client.connect();
    try {
      return (await client.query('SELECT flow_id, version FROM flow_versions ORDER BY flow_id, version')).rows;
    } finally {
      await client.end();
    }
  }

  it('imports a directory, exports it back canonically, and a second import saves new versions', async () => {
    dirs = makeTempDirs();
    const source = writeFlows(join(dirs.root, 'source'), { 'echo.flow.json': JSON.stringify(echoFlow()), 'review.flow.json': JSON.stringify(reviewFlow()), 'notes.txt': 'not a flow' });
    const env = { WEFT_DATABASE_URL: database().url };
    const imported = await weft(['flows', 'import', source], env);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toBe(`imported 2 flows into 127.0.0.1:5432/${database().name} (2 new, 0 updated)\n`);

    const target = join(dirs.root, 'exported');
    const exported = await weft(['flows', 'export', target], env);
    expect(exported.code).toBe(0);
    expect(readdirSync(target).sort()).toEqual(['echo.flow.json', 'review.flow.json']);
    expect(readFileSync(join(target, 'review.flow.json'), 'utf8')).toBe(serializeFlow(reviewFlow()));
    expect(readFileSync(join(target, 'echo.flow.json'), 'utf8')).toBe(serializeFlow(echoFlow()));

    const again = await weft(['flows', 'import', target], env);
    expect(again.stdout).toContain('(0 new, 2 updated)');
    expect(await versions()).toEqual([
      { flow_id: 'echo', version: 1 },
      { flow_id: 'echo', version: 2 },
      { flow_id: 'review', version: 1 },
      { flow_id: 'review', version: 2 },
    ]);
  });

  it("imports the examples, where one flow maps another: calls are checked against the directory's flows", async () => {
    dirs = makeTempDirs();
    const imported = await weft(['flows', 'import', join(REPO_ROOT, 'flows')], { WEFT_DATABASE_URL: database().url });
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    const ids = new Set((await versions()).map((row) => row.flow_id));
    expect(ids.has('triage-batch') && ids.has('classify-ticket')).toBe(true);
  });

  it('imports nothing when one file is bad, and names each bad file and its problem', async () => {
    dirs = makeTempDirs();
    const before = await versions();
    const source = writeFlows(join(dirs.root, 'source'), {
      'a-good.flow.json': serializeFlow(echoFlow('a-good')),
      'broken.flow.json': '{ "schemaVersion": 1, ',
      'renamed.flow.json': serializeFlow(echoFlow('other')),
    });
    const result = await weft(['flows', 'import', source], { WEFT_DATABASE_URL: database().url });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${join(source, 'broken.flow.json')}: 1 problem\n  [invalid-json]`);
    expect(result.stderr).toContain(`${join(source, 'renamed.flow.json')}: the file is named "renamed.flow.json" but its id is "other"`);
    expect(result.stderr).toContain('nothing imported: 2 of 3 files have problems');
    expect(await versions()).toEqual(before);
  });

  it('says which database it cannot reach, without the password', async () => {
    const result = await weft(['flows', 'export', '/tmp/never-written'], { WEFT_DATABASE_URL: 'postgres://weft:sekrit-password@127.0.0.1:1/weft' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('weft: cannot use the database at 127.0.0.1:1/weft');
    expect(result.stderr).not.toContain('sekrit-password');
  });
});

describe('weft flows against the flows directory', () => {
  it('exports a canonical copy of the valid flows and reports the invalid ones', async () => {
    dirs = makeTempDirs();
    writeFlows(dirs.flowsDir, { 'review.flow.json': JSON.stringify(reviewFlow(), null, 4), 'broken.flow.json': '{' });
    const target = join(dirs.root, 'copy');
    const result = await weft(['flows', 'export', target], { WEFT_FLOWS_DIR: dirs.flowsDir });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe(`exported 1 flow from ${dirs.flowsDir} to ${target}\n`);
    expect(result.stderr).toContain('broken.flow.json: not exported, it is not a valid flow');
    expect(readdirSync(target)).toEqual(['review.flow.json']);
    expect(readFileSync(join(target, 'review.flow.json'), 'utf8')).toBe(serializeFlow(reviewFlow()));
  });

  it('imports into the flows directory canonically', async () => {
    dirs = makeTempDirs();
    const source = writeFlows(join(dirs.root, 'source'), { 'echo.flow.json': JSON.stringify(echoFlow()) });
    const result = await weft(['flows', 'import', source], { WEFT_FLOWS_DIR: dirs.flowsDir });
    expect(result.stdout).toBe(`imported 1 flow into ${dirs.flowsDir} (1 new, 0 updated)\n`);
    expect(readFileSync(join(dirs.flowsDir, 'echo.flow.json'), 'utf8')).toBe(serializeFlow(echoFlow()));
  });

  it('answers a wrong command line or a missing directory with a clear message and status 2', async () => {
    dirs = makeTempDirs();
    expect(await weft(['flows'], {})).toMatchObject({ code: 2, stderr: 'usage: weft flows export <dir> | weft flows import <dir>\n' });
    expect(await weft(['flows', 'import', join(dirs.root, 'absent')], { WEFT_FLOWS_DIR: dirs.flowsDir })).toMatchObject({ code: 2, stderr: `${join(dirs.root, 'absent')}: cannot read: ENOENT\n` });
  });
});
