/**
 * Caps on what one run writes, through the real server: past the events or bytes limit the run
 * fails with `run-too-large` naming the limit, its log stays readable, the index agrees, and the
 * server carries on. The limits come from WEFT_MAX_RUN_EVENTS / WEFT_MAX_RUN_BYTES.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../shared/events.ts';
import { flow } from '../shared/testing/flow-builder.ts';
import { ConfigError, loadServerConfig } from './config.ts';
import { DEFAULT_RUN_LIMITS } from './run-limits.ts';
import { echoFlow } from './testing/fixture-flows.ts';
import { eventually, startTestServer, type TestServer } from './testing/test-server.ts';

const running: TestServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((test) => test.close()));
});

/** ticket.text -> step1 -> ... -> stepN -> result.text, each step a code step passing the text on. */
function chainFlow(steps: number) {
  let builder = flow('chain', 'A chain of code steps').input('ticket', { text: 'string' }).output('result', { text: 'string' });
  let from = 'ticket.text';
  for (let index = 1; index <= steps; index++) {
    builder = builder.code(`step${index}`, { inputs: { text: 'string' }, outputs: { text: 'string' } }).wire(from, `step${index}.text`);
    from = `step${index}.text`;
  }
  return builder.wire(from, 'result.text').build();
}

async function serve(config: { maxRunEvents?: number; maxRunBytes?: number }): Promise<TestServer> {
  const test = await startTestServer({ config });
  running.push(test);
  return test;
}

async function ended(test: TestServer, runId: string): Promise<any> {
  return eventually(async () => {
    const state = (await test.api.get(`/api/runs/${runId}`)).body;
    return state && state.status !== 'running' && state.status !== 'waiting' ? state : undefined;
  }, 15_000, `run ${runId} to end`);
}

async function expectStoppedAsTooLarge(test: TestServer, runId: string, limit: RegExp): Promise<RunEvent[]> {
  const state = await ended(test, runId);
  expect(state.status).toBe('failed');
  expect(state.error.code).toBe('run-too-large');
  expect(state.error.message).toMatch(limit);
  const events: RunEvent[] = (await test.api.get(`/api/runs/${runId}/events`)).body.events;
  expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
  expect(events.at(-1)).toMatchObject({ type: 'run.failed', error: { code: 'run-too-large' } });
  expect(events.filter((event) => event.type === 'run.failed' || event.type === 'run.cancelled' || event.type === 'run.succeeded')).toHaveLength(1);
  await test.server.store.flush();
  expect(test.server.store.index.get(runId)?.status).toBe('failed');
  // The server carries on.
  const next = (await test.api.post('/api/runs', { flow: echoFlow(), inputs: { text: 'still here' } })).body.runId;
  expect((await ended(test, next)).status).toBe('succeeded');
  return events;
}

describe('per-run caps', () => {
  it('stops a run past its number of events (WEFT_MAX_RUN_EVENTS)', async () => {
    const test = await serve({ maxRunEvents: 12 });
    const { runId } = (await test.api.post('/api/runs', { flow: chainFlow(10), inputs: { text: 'hi' } })).body;
    const events = await expectStoppedAsTooLarge(test, runId, /wrote more than 12 events \(the limit per run, WEFT_MAX_RUN_EVENTS\)/);
    expect(events.length).toBeLessThan(20);
  }, 30_000);

  it('stops a run past its bytes (WEFT_MAX_RUN_BYTES): a large input copied into every step', async () => {
    const test = await serve({ maxRunBytes: 100_000 });
    const text = 'x'.repeat(20_000);
    const { runId } = (await test.api.post('/api/runs', { flow: chainFlow(10), inputs: { text } })).body;
    const events = await expectStoppedAsTooLarge(test, runId, /wrote more than 100000 bytes of events \(the limit per run, WEFT_MAX_RUN_BYTES\)/);
    const bytes = events.reduce((sum, event) => sum + Buffer.byteLength(JSON.stringify(event)) + 1, 0);
    expect(bytes).toBeLessThan(100_000 + 3 * 20_500);
  }, 30_000);

  it('reads the limits from the environment, with defaults, and refuses values that are not whole numbers above 0', () => {
    expect(loadServerConfig({})).toMatchObject({ maxRunEvents: DEFAULT_RUN_LIMITS.maxEvents, maxRunBytes: DEFAULT_RUN_LIMITS.maxBytes });
    expect(loadServerConfig({ WEFT_MAX_RUN_EVENTS: '500', WEFT_MAX_RUN_BYTES: '1048576' })).toMatchObject({ maxRunEvents: 500, maxRunBytes: 1_048_576 });
    expect(() => loadServerConfig({ WEFT_MAX_RUN_EVENTS: '0' })).toThrow(ConfigError);
    expect(() => loadServerConfig({ WEFT_MAX_RUN_BYTES: '64MB' })).toThrow(/WEFT_MAX_RUN_BYTES: must be a whole number above 0/);
  });
});
