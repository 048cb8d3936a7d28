/**
 * The connection pool of database mode (`WEFT_DATABASE_URL`), opened once by the composition root
 * (server/main.ts) or the CLI. Opening checks that the database answers and migrates it (see
 * migrate.ts); a database out of reach then is a DatabaseUnreachableError naming host and port.
 * Afterwards, a query that cannot reach the database throws DatabaseUnavailableError (HTTP 503),
 * and the pool reconnects by itself once the database is back.
 */
import pg from 'pg';
import { DatabaseUnavailableError, DatabaseUnreachableError, describeDatabaseTarget, isConnectionError, reasonOf } from './database-errors.ts';
import { migrate, readMigrations } from './migrate.ts';

/** How long a new connection may take before the attempt counts as the database being away. */
const CONNECT_TIMEOUT_MS = 5_000;

export interface Database {
  /** `host:port/database`, never the password. */
  readonly target: string;
  query<Row extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<Row>>;
  /** Runs `work` inside BEGIN … COMMIT on one connection; any error rolls it back. */
  transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** A connection of its own, outside the pool and not yet connected (LISTEN holds one for good). */
  dedicatedClient(applicationName: string): pg.Client;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Where pool-level problems (an idle connection dropped by the server) are reported. */
  log?: (line: string) => void;
  /** Migrations to apply (default: this directory's migrations/). */
  migrationsDir?: string;
  maxConnections?: number;
}

export async function openDatabase(connectionString: string, options: OpenDatabaseOptions = {}): Promise<Database> {
  const target = describeDatabaseTarget(connectionString);
  const log = options.log ?? ((line: string) => console.warn(line));
  const pool = new pg.Pool({ connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, max: options.maxConnections ?? 10 });
  // Without a listener, an idle connection the server drops would crash the process.
  pool.on('error', (error) => log(`weft: a database connection to ${target} was lost: ${reasonOf(error)}`));
  try {
    const migrations = await readMigrations(options.migrationsDir);
    const client = await pool.connect();
    try {
      await migrate(client, migrations);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    if (isConnectionError(error) || isRefusal(error)) throw new DatabaseUnreachableError(target, reasonOf(error));
    throw error;
  }

  const unavailable = (error: unknown): unknown => (isConnectionError(error) ? new DatabaseUnavailableError(target, reasonOf(error)) : error);
  return {
    target,
    async query(text, values) {
      try {
        return await pool.query(text, values);
      } catch (error) {
        throw unavailable(error);
      }
    },
    async transaction(work) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw unavailable(error);
      }
      let broken: Error | undefined;
      // A connection cut between two queries of the transaction errors on the client itself: the next query reports it.
      const onError = (error: Error): void => void (broken = error);
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        if (isConnectionError(error)) broken = error as Error;
        else await client.query('ROLLBACK').catch((rollbackError: unknown) => (broken = rollbackError as Error));
        throw unavailable(error);
      } finally {
        // A connection that failed is destroyed rather than returned to the pool.
        client.off('error', onError);
        client.release(broken);
      }
    },
    dedicatedClient: (applicationName) => new pg.Client({ connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: applicationName }),
    close: () => pool.end(),
  };
}

/** The server answered but will not let us in: no such database, bad credentials, no permission. */
function isRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && (code.startsWith('28') || code === '3D000' || code === '42501');
}
