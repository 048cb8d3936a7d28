/**
 * The CLI's answers to mistakes, through the real bin in a child process: unknown options and
 * commands get the nearest valid one, a missing file is named, and a reader that closes the pipe
 * early ends the run quietly with exit 0.
 */
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { editDistance, nearest } from './suggest.ts';

const root = new URL('../../', import.meta.url).pathname;

function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENAI_API_KEY;
  delete env.OPENAI_BASE_URL;
  return env;
}

function weft(...args: string[]) {
  const result = spawnSync(process.execPath, ['bin/weft.mjs', ...args], { cwd: root, env: cleanEnv(), encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe('nearest', () => {
  it('finds the valid word a typo was meant to be, and nothing for a stranger', () => {
    expect(editDistance('inputs', 'input')).toBe(1);
    expect(nearest('inputs', ['input', 'json', 'approve', 'reject', 'comment', 'by'])).toBe('input');
    expect(nearest('chek', ['check'])).toBe('check');
    expect(nearest('valdate', ['validate', 'fmt', 'run', 'estimate'])).toBe('validate');
    expect(nearest('deploy', ['validate', 'fmt', 'run', 'estimate'])).toBeUndefined();
  });
});

describe('weft mistakes', () => {
  it('suggests --input for --inputs instead of Node\'s generic advice', () => {
    const { code, err } = weft('run', 'flows/ticket-triage.flow.json', '--inputs', '{"text":"x"}');
    expect(code).toBe(2);
    expect(err).toContain('weft run: unknown option --inputs; did you mean --input?');
    expect(err).not.toContain('positional argument');
  });

  it('takes `fmt --chek` as a mistyped option, not a file name', () => {
    const { code, err, out } = weft('fmt', '--chek', 'flows/ticket-triage.flow.json');
    expect(code).toBe(2);
    expect(err).toContain('weft fmt: unknown option --chek; did you mean --check?');
    expect(out).toBe('');
  });

  it('says "file not found: PATH" for a missing file', () => {
    for (const command of ['validate', 'fmt', 'run', 'estimate']) {
      const { code, err } = weft(command, 'flows/no-such.flow.json');
      expect(code, command).toBe(2);
      expect(err, command).toContain('file not found: flows/no-such.flow.json');
      expect(err, command).not.toContain('ENOENT');
    }
  });

  it('suggests the nearest command, and lists --comment and --by in the usage', () => {
    const unknown = weft('valdate', 'flows/ticket-triage.flow.json');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('weft: unknown command "valdate"; did you mean validate?');
    const help = weft('help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('--comment TEXT');
    expect(help.out).toContain('--by NAME');
  });

  it('ends quietly with exit 0 when the reader closes the pipe early (`--json | head -1`)', async () => {
    const child = spawn(process.execPath, ['bin/weft.mjs', 'run', 'flows/ticket-triage.flow.json', '--input', '{"text":"I was charged twice"}', '--json'], { cwd: root, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let errText = '';
    child.stderr.on('data', (chunk: Buffer) => (errText += chunk.toString()));
    // Like `head -1`: read the first line, then close our end of the pipe.
    await new Promise<void>((resolve) => {
      let seen = '';
      child.stdout.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('\n')) {
          child.stdout.destroy();
          resolve();
        }
      });
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
    expect(errText).not.toContain('EPIPE');
    expect(code).toBe(0);
  });
});
