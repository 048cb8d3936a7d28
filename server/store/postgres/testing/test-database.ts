/**
 * PostgreSQL for tests: each test file gets a fresh database `weft_test_<random>` on the admin
 * server (WEFT_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres, trust
 * auth) and drops it afterwards. describeWithDatabase runs a suite against it when PostgreSQL is
 * reachable; when it is not, the suite fails under CI=true and is skipped elsewhere, with one line
 * saying so (scripts/test-all.mjs prints the same verdict for the whole run).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { describeDatabaseTarget, reasonOf } from '../database-errors.ts';

export const ADMIN_DATABASE_URL = process.env.WEFT_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** Connection string of the fresh database. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Whether the admin server answers; the reason when it does not. */
export async function probeTestDatabase(): Promise<{ reachable: true } | { reachable: false; reason: string }> {
  try {
    await withAdmin((client) => client.query('SELECT 1'));
    return { reachable: true };
  } catch (error) {
    return { reachable: false, reason: reasonOf(error) };
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `weft_test_${randomBytes(6).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => withAdmin(async (client) => void (await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}

const probe = await probeTestDatabase();
let announced = false;

/**
 * A describe block with its own fresh database (created before its tests, dropped after);
 * `database()` gives it to the tests.
 */
export function describeWithDatabase(title: string, body: (database: () => TestDatabase) => void): void {
  if (probe.reachable) {
    describe(title, () => {
      let database: TestDatabase | undefined;
      beforeAll(async () => {
        database = await createTestDatabase();
      });
      afterAll(async () => {
        await database?.drop();
      });
      body(() => {
        if (!database) throw new Error('the test database was not created');
        return database;
      });
    });
    return;
  }
  const where = describeDatabaseTarget(ADMIN_DATABASE_URL);
  if (process.env.CI === 'true') {
    describe(title, () => {
      it('needs PostgreSQL', () => {
        throw new Error(`CI=true, but PostgreSQL is not reachable at ${where} (${probe.reason}); the database suite must run in CI`);
      });
    });
    return;
  }
  if (!announced) console.warn(`DATABASE TESTS NOT RUN: PostgreSQL is not reachable at ${where} (${probe.reason})`);
  announced = true;
  describe.skip(title, () => body(() => {
    throw new Error('no database');
  }));
}

/** The rows a query returns, over a connection of its own (tests read the database as it is). */
export async function queryRows<T>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}
