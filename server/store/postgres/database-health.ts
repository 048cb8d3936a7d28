/**
 * Whether the database can be written, for the runs store of database mode: the shared
 * StoreHealth (server/store/store-health.ts) with a `SELECT 1` as its probe. Healthy until a
 * write fails because the database is out of reach; then requests that would write answer 503,
 * and a probe runs on each such request and every second until one succeeds, which calls
 * `onRecovered` (halted runs continue from what the database holds).
 */
import { StoreUnavailableError } from '../store-errors.ts';
import { StoreHealth } from '../store-health.ts';
import type { Database } from './database.ts';
import { reasonOf } from './database-errors.ts';

export interface DatabaseHealthOptions {
  database: Database;
  log: (line: string) => void;
  onRecovered: () => void;
}

/** The error a write of the run store answers while the database is away. */
export function databaseFault(database: Pick<Database, 'target'>, error: unknown): StoreUnavailableError {
  const fault = `the database at ${database.target} is unavailable (${reasonOf(error)})`;
  return new StoreUnavailableError(`the run store cannot write: ${fault}`, undefined, fault);
}

export function databaseHealth(options: DatabaseHealthOptions): StoreHealth {
  const { database } = options;
  return new StoreHealth({
    probe: async () => void (await database.query('SELECT 1')),
    faultOf: (error) => databaseFault(database, error),
    lost: (fault) => `weft: ${fault instanceof StoreUnavailableError ? (fault.fault ?? fault.message) : reasonOf(fault)}; requests that would write answer 503 until it answers again.`,
    back: 'weft: the database answers again; stopped runs continue from what it holds.',
    log: options.log,
    onRecovered: options.onRecovered,
  });
}
