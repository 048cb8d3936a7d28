/**
 * `weft worker`: executes runs queued in PostgreSQL (WEFT_DATABASE_URL) without serving HTTP,
 * up to WEFT_WORKER_CONCURRENCY at a time, until SIGINT or SIGTERM; then it stops its runs and
 * hands them over to other workers (server/queue/run-worker.ts).
 */
import { EXIT, type CliIo } from './output.ts';

const KNOWN_ERRORS = new Set(['ConfigError', 'DatabaseUnreachableError', 'MigrationError', 'ProviderConfigError']);

export async function workerCommand(args: string[], io: CliIo): Promise<number> {
  if (args.length > 0) {
    io.err(`weft worker: takes no arguments (configure it with WEFT_DATABASE_URL, WEFT_WORKER_CONCURRENCY, WEFT_LEASE_TIMEOUT_MS), got ${JSON.stringify(args[0])}\n`);
    return EXIT.invalid;
  }
  const { startWorker } = await import('../main.ts');
  let worker: Awaited<ReturnType<typeof startWorker>>;
  try {
    worker = await startWorker({ env: io.env, log: (line) => io.err(`${line}\n`) });
  } catch (error) {
    io.err(error instanceof Error && KNOWN_ERRORS.has(error.name) ? `weft: ${error.message}\n` : `weft: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.invalid;
  }
  io.out(`Weft worker ${worker.id} is executing queued runs (at most ${worker.config.workerConcurrency} at a time)\n`);
  if (worker.simulated) io.out('Model calls are SIMULATED: no OPENAI_API_KEY is set, so model steps are answered by the built-in simulated endpoint.\n');
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) process.exit(1);
      stopping = true;
      io.out(`weft: ${signal} received, stopping the worker\n`);
      worker.close().then(
        () => resolve(EXIT.ok),
        () => resolve(1),
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
