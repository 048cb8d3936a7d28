/**
 * Crash-loop protection with real server processes: a code step that kills the whole server
 * (SIGKILL) is run again once after the first crash, as any step cut off by a crash is; after the
 * second, the next starts quarantine it (the step and the run fail, saying so) and stay up.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../shared/events.ts';
import { flow } from '../shared/testing/flow-builder.ts';
import { CRASH_MARKER } from './testing/crash-executors.ts';
import { apiClient } from './testing/http-client.ts';
import { spawnServer, type ServerProcess } from './testing/server-process.ts';
import { makeTempDirs } from './testing/temp-dirs.ts';
import { eventually } from './testing/test-server.ts';

const ENTRY = 'server/testing/crash-server-entry.ts';
const dirs = makeTempDirs('weft-crash-loop-');
const env = { WEFT_FLOWS_DIR: dirs.flowsDir, WEFT_DATA_DIR: dirs.dataDir };
const children: ServerProcess[] = [];

afterAll(async () => {
  for (const server of children) {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
  }
  dirs.remove();
});

function crashFlow() {
  const source = `// ${CRASH_MARKER}\nexport default function (inputs) {\n  return { out: inputs.text };\n}\n`;
  return flow('crash', 'A step that kills the server')
    .input('ticket', { text: 'string' })
    .code('boom', { inputs: { text: 'string' }, outputs: { out: 'string' }, source })
    .output('result', { text: 'string' })
    .wire('ticket.text', 'boom.text')
    .wire('boom.out', 'result.text')
    .build();
}

/** Starts a server that is expected to be killed by the step, during start-up or just after. */
async function startAndDie(): Promise<NodeJS.Signals | null> {
  try {
    const server = await spawnServer(env, 30_000, ENTRY);
    children.push(server);
    return (await server.exited).signal;
  } catch (error) {
    return (error as { signal: NodeJS.Signals | null }).signal;
  }
}

async function startAndStay(): Promise<ServerProcess> {
  const server = await spawnServer(env, 30_000, ENTRY);
  children.push(server);
  return server;
}

function boomAttempts(events: RunEvent[]): number[] {
  return events.filter((event) => event.type === 'step.started' && event.nodeId === 'boom').map((event) => (event as { attempt: number }).attempt);
}

describe('a step that kills the whole server', () => {
  it('is re-run once, then quarantined: the step and run fail saying so, and the next two starts stay up', async () => {
    const first = await startAndStay();
    const started = await apiClient(first.port).post('/api/runs', { flow: crashFlow(), inputs: { text: 'hello' } });
    expect(started.status).toBe(201);
    const { runId } = started.body;
    expect((await first.exited).signal).toBe('SIGKILL');

    // The step was cut off once: the restart runs it again as attempt 2, which kills this server too.
    expect(await startAndDie()).toBe('SIGKILL');

    for (const round of [1, 2]) {
      const server = await startAndStay();
      const api = apiClient(server.port);
      const state = await eventually(async () => {
        const body = (await api.get(`/api/runs/${runId}`)).body;
        return body?.status === 'failed' ? body : undefined;
      }, 15_000, 'the run to fail');
      expect(state.steps.boom.status).toBe('failed');
      expect(state.steps.boom.error.code).toBe('quarantined');
      expect(state.steps.boom.error.message).toMatch(/step "boom" was quarantined: the server stopped while it ran 2 times \(attempts 1, 2\)/);
      expect(state.error).toMatchObject({ code: 'quarantined', nodeId: 'boom' });
      expect((await api.get('/api/runs')).body.runs).toEqual([expect.objectContaining({ runId, status: 'failed' })]);
      const events: RunEvent[] = (await api.get(`/api/runs/${runId}/events`)).body.events;
      expect(boomAttempts(events)).toEqual([1, 2]);
      expect(events.filter((event) => event.type === 'run.failed')).toHaveLength(1);
      expect((await api.get('/api/health')).status).toBe(200);
      if (round === 1) await eventually(() => (/step "boom" was quarantined/.test(server.output()) ? true : undefined), 5_000, 'the quarantine in the server log');
      server.child.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);
    }
  }, 120_000);
});
