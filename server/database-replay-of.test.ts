/**
 * `weft run --replay-of RUN_ID` in database mode (WEFT_DATABASE_URL): the run's events are read
 * from PostgreSQL through the runs store, not from the data directory (which holds nothing).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { flow } from '../shared/testing/flow-builder.ts';
import { runCommand } from './cli/run-command.ts';
import { startFakeOpenAIServer, textReply, type FakeOpenAIServer } from './providers/testing/fake-openai-server.ts';
import { describeWithDatabase } from './store/postgres/testing/test-database.ts';
import { eventually, startTestServer, type TestServer } from './testing/test-server.ts';

const chain = flow('chain')
  .input('in', { text: 'string' })
  .model('summary', { prompt: 'Summarise: {{text}}' })
  .output('out', { summary: 'string' })
  .wire('in.text', 'summary.text')
  .wire('summary.result', 'out.summary')
  .build();

describeWithDatabase('weft run --replay-of in database mode', (database) => {
  let fake: FakeOpenAIServer;
  let test: TestServer;
  let original: string;

  beforeAll(async () => {
    fake = await startFakeOpenAIServer(() => textReply('a short story', { usage: { prompt_tokens: 10, completion_tokens: 3 } }));
    test = await startTestServer({ env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.baseURL }, config: { databaseUrl: database().url } });
    const started = await test.api.post('/api/runs', { flow: chain, inputs: { text: 'a long story' } });
    expect(started.status).toBe(201);
    original = started.body.runId;
    await eventually(async () => ((await test.api.get(`/api/runs/${original}`)).body.status === 'succeeded' ? true : undefined), 20_000, 'the original run to succeed');
    await test.server.store.flush();
    fake.requests.length = 0;
  });
  afterAll(async () => {
    await test?.close();
    await fake?.close();
  });

  async function replayOf(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const env = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.baseURL, WEFT_DATA_DIR: test.dirs.dataDir, WEFT_DATABASE_URL: database().url };
    const code = await runCommand(args, { out: (text) => void out.push(text), err: (text) => void err.push(text), readFile: (path) => readFile(path, 'utf8'), writeFile: (path, text) => writeFile(path, text), env });
    return { code, out: out.join(''), err: err.join('') };
  }

  it('replays a run kept in PostgreSQL with no request, and says the outputs are identical', async () => {
    expect(existsSync(join(test.dirs.dataDir, 'runs', `${original}.jsonl`))).toBe(false);
    const { code, out, err } = await replayOf('--replay-of', original);
    expect(err).toBe('');
    expect(out).toBe(`replayed ${original} at $0: succeeded, outputs identical\n`);
    expect(code).toBe(0);
    expect(fake.requests).toHaveLength(0);
    const json = JSON.parse((await replayOf('--replay-of', original, '--json')).out);
    expect(json).toMatchObject({ identical: true, reused: ['summary'], cost: { newUsd: 0 } });
  });

  it('exits 2 saying the database holds no such run', async () => {
    const { code, err } = await replayOf('--replay-of', 'no-such-run');
    expect(code).toBe(2);
    expect(err).toContain('no-such-run');
    expect(err).toContain('no events in the database');
  });
});
