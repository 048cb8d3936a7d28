/** `node --import tsx server/testing/crash-server-entry.ts`: the server with crashingExecutors (crash-loop test). */
import { runFromCommandLine } from '../main-process.ts';
import { startServer } from '../main.ts';
import { crashingExecutors } from './crash-executors.ts';

await runFromCommandLine(startServer, { executors: crashingExecutors() });
