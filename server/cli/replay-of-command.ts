/**
 * `weft run --replay-of RUN_ID`: replays a finished run in memory, at $0: model replies from its
 * event log, code re-executed, approvals decided as they were. The log is read from the server's
 * data directory (`WEFT_DATA_DIR`, default ./data), or with `WEFT_DATABASE_URL` from PostgreSQL
 * through the runs store. Exit 0 when the outputs are identical, 1 when not.
 */
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { isTerminal, type RunEvent } from '../../shared/events.ts';
import { ID_PATTERN } from '../../shared/ids.ts';
import { loadServerConfig, type ServerConfig } from '../config.ts';
import { startRun } from '../engine/index.ts';
import { executors } from '../executors/index.ts';
import { compareRuns } from '../run-replay/compare-runs.ts';
import { createLogModelService } from '../run-replay/log-model-service.ts';
import { createRuntimeServices } from '../runtime-services.ts';
import { parseEventLog } from '../store/event-log-text.ts';
import { RUNS_DIRECTORY_NAME } from '../store/runs-store.ts';
import { EXIT, readError, type CliIo } from './output.ts';

export async function replayOfCommand(runId: string, json: boolean, io: CliIo): Promise<number> {
  if (!ID_PATTERN.test(runId)) return void io.err(`--replay-of ${runId}: not a run id (lowercase letters, digits and dashes)\n`), EXIT.invalid;
  let config;
  try {
    config = loadServerConfig(io.env);
  } catch (error) {
    return void io.err(`${error instanceof Error ? error.message : String(error)}\n`), EXIT.invalid;
  }
  const read = await readRunLog(runId, config, io);
  if ('error' in read) return void io.err(`--replay-of ${runId}: ${read.error}\n`), EXIT.invalid;
  const original = read.events;
  const started = original[0];
  if (started?.type !== 'run.started') return void io.err(`--replay-of ${runId}: ${read.where} holds no run start\n`), EXIT.invalid;
  if (!original.some(isTerminal)) return void io.err(`--replay-of ${runId}: the run has not finished\n`), EXIT.invalid;

  const runtime = await createRuntimeServices({ env: io.env, simulatedChunkDelayMs: 0, sandboxPoolSize: 1 });
  try {
    const models = createLogModelService(original, runtime.services.models, { live: false });
    const events: RunEvent[] = [];
    const run = startRun(randomUUID(), started.flow, started.inputs, { executors, services: { ...runtime.services, models }, onEvent: (event) => events.push(event) });
    const decisions = new Map(original.flatMap((event) => (event.type === 'step.decided' ? [[event.nodeId, { by: event.by, ...(event.answer as Record<string, unknown>) }] as const] : [])));
    while ((await run.settled()) === 'waiting') {
      const undecided = run.waitingSteps().filter((step) => !decisions.has(step.nodeId));
      if (undecided.length > 0) {
        run.cancel('replay (the original run has no decision here)');
        break;
      }
      for (const step of run.waitingSteps()) run.decide(step.nodeId, decisions.get(step.nodeId)!);
    }
    const comparison = compareRuns(original, events, models.reused());
    if (json) io.out(`${JSON.stringify(comparison)}\n`);
    else if (comparison.identical) io.out(`replayed ${runId} at $0: ${comparison.status}, outputs identical\n`);
    else io.out(`replayed ${runId} at $0: ${comparison.status} (was ${comparison.originalStatus}), outputs differ in ${comparison.outputs.changedFields.join(', ') || 'status'}\noutputs now:\n${JSON.stringify(comparison.outputs.new, null, 2)}\n`);
    return comparison.identical ? EXIT.ok : EXIT.failed;
  } finally {
    await runtime.close();
  }
}

type RunLog = { events: RunEvent[]; where: string } | { error: string };

/** The run's stored events: from PostgreSQL when the server keeps runs there, else from its log file. */
async function readRunLog(runId: string, config: ServerConfig, io: CliIo): Promise<RunLog> {
  if (config.databaseUrl !== undefined) return readFromDatabase(runId, config.databaseUrl, io);
  const path = join(config.dataDir, RUNS_DIRECTORY_NAME, `${runId}.jsonl`);
  let text: string;
  try {
    text = await io.readFile(path);
  } catch (error) {
    return { error: `${readError(path, error)} (WEFT_DATA_DIR names the server's data directory)` };
  }
  return { events: parseEventLog(new TextEncoder().encode(text), runId).events, where: path };
}

/** Through the same runs store the server uses (loaded only in database mode), so both read one way. */
async function readFromDatabase(runId: string, databaseUrl: string, io: CliIo): Promise<RunLog> {
  const [{ openDatabase }, { PostgresRunsStore }] = await Promise.all([import('../store/postgres/database.ts'), import('../store/postgres/runs-store-postgres.ts')]);
  const log = (line: string) => io.err(`${line}\n`);
  let database;
  try {
    database = await openDatabase(databaseUrl, { log });
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
  try {
    const store = await PostgresRunsStore.open({ database, log });
    try {
      const events = await store.readEvents(runId);
      if (!events) return { error: `no events in the database ${database.target} (WEFT_DATABASE_URL names the server's database)` };
      return { events, where: `the database ${database.target}` };
    } finally {
      await store.close();
    }
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  } finally {
    await database.close();
  }
}
