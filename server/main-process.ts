/**
 * `node --import tsx server/main.ts` (and `npm start`): starts the server, prints where it runs,
 * and shuts down gracefully on SIGINT/SIGTERM (pending writes flushed, the data lock released).
 * Startup problems (bad configuration, a data directory in use, a port taken) print one clear
 * message and exit with status 1.
 */
import type { RunningServer, StartServerOptions } from './main.ts';

const KNOWN_ERRORS = new Set(['ConfigError', 'DataDirLockedError', 'ProviderConfigError', 'DatabaseUnreachableError', 'MigrationError']);

/** `start` is main.ts's startServer, passed in (main.ts imports this file while it is still loading). */
export async function runFromCommandLine(start: (options: StartServerOptions) => Promise<RunningServer>, options: StartServerOptions = {}): Promise<RunningServer | undefined> {
  let server: RunningServer;
  try {
    server = await start(options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') console.error(`weft: the port is already in use; set PORT to another one (PORT=0 picks a free port).`);
    else if (error instanceof Error && KNOWN_ERRORS.has(error.name)) console.error(`weft: ${error.message}`);
    else console.error(error);
    process.exitCode = 1;
    return undefined;
  }
  console.log(`Weft is running at ${server.url}`);
  if (server.simulated) console.log('Model calls are SIMULATED: no OPENAI_API_KEY is set, so model steps are answered by the built-in simulated endpoint.');
  if (server.config.token !== undefined) console.log('An access token is required (WEFT_TOKEN): send it as "Authorization: Bearer <token>" or open the UI with ?token=<token>.');

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.exit(1);
    }
    stopping = true;
    console.log(`weft: ${signal} received, shutting down`);
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return server;
}
