import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { openDatabase } from './database.ts';
import { migrate, MigrationError, readMigrations } from './migrate.ts';
import { createTestDatabase, describeWithDatabase, type TestDatabase } from './testing/test-database.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function migrationsDir(files: Record<string, string>): string {
  const directory = mkdtempSync(join(tmpdir(), 'weft-migrations-'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(directory, name), sql);
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

async function freshDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  return database;
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

it('reads the repository migrations as versions 1, 2, 3… and refuses gaps and bad names', async () => {
  const migrations = await readMigrations();
  expect(migrations.map((migration) => migration.version)).toEqual(migrations.map((_, index) => index + 1));
  expect(migrations[0]?.name).toBe('0001-flow-versions.sql');
  await expect(readMigrations(migrationsDir({ '0001-a.sql': 'SELECT 1', '0003-c.sql': 'SELECT 1' }))).rejects.toThrow(/0003-c\.sql: expected migration 0002 next/);
  await expect(readMigrations(migrationsDir({ '1-a.sql': 'SELECT 1' }))).rejects.toThrow(/1-a\.sql: a migration's name must be NNNN-name\.sql/);
});

describeWithDatabase('migrations', (database) => {
  it('applies every migration on first open and nothing on the next', async () => {
    const first = await openDatabase(database().url);
    await first.close();
    const tables = await withClient(database().url, async (client) => (await client.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).rows.map((row) => row.tablename));
    expect(tables).toEqual(['api_keys', 'flow_versions', 'idempotency_keys', 'pinned_flows', 'run_events', 'run_leases', 'runs', 'schedule_ticks', 'spend_periods', 'spend_reservations', 'weft_migrations', 'weft_workers']);
    const all = await readMigrations();
    expect(await withClient(database().url, (client) => migrate(client, all))).toEqual([]);
  });

  it('lets several processes migrate at once: one applies each migration, the others find it done', async () => {
    const fresh = await freshDatabase();
    const directory = migrationsDir({
      '0001-items.sql': 'CREATE TABLE items (id serial PRIMARY KEY, note text NOT NULL);',
      '0002-slow.sql': "SELECT pg_sleep(0.3); CREATE TABLE slow (id integer);",
      '0003-seed.sql': "INSERT INTO items (note) VALUES ('seeded once');",
    });
    const children = Array.from({ length: 4 }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'server/store/postgres/testing/migrate-process.ts', fresh.url, directory], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const ready = new Promise<void>((resolve, reject) => {
        child.stdout.on('data', () => stdout.includes('ready\n') && resolve());
        child.once('exit', () => reject(new Error(`a migrator exited before it was ready: ${stderr}`)));
      });
      const exited = once(child, 'exit').then(([code]) => ({ code: code as number | null, stdout: () => stdout, stderr: () => stderr }));
      cleanups.push(() => void child.kill('SIGKILL'));
      return { child, ready, exited };
    });
    await Promise.all(children.map((child) => child.ready));
    for (const { child } of children) child.stdin.write('go\n');
    const results = await Promise.all(children.map((child) => child.exited));
    for (const result of results) expect(result.code, result.stderr()).toBe(0);
    const applied = results.map((result) => JSON.parse(result.stdout().split('\n')[1]!) as number[]);
    expect(applied.flat().sort()).toEqual([1, 2, 3]);
    const rows = await withClient(fresh.url, async (client) => ({
      migrations: (await client.query('SELECT version FROM weft_migrations ORDER BY version')).rows.map((row) => row.version),
      items: (await client.query('SELECT note FROM items')).rows.map((row) => row.note),
    }));
    expect(rows).toEqual({ migrations: [1, 2, 3], items: ['seeded once'] });
  });

  it('rolls a failing migration back whole, with the ones before it, and names the file', async () => {
    const fresh = await freshDatabase();
    const directory = migrationsDir({ '0001-good.sql': 'CREATE TABLE good (id integer);', '0002-bad.sql': 'CREATE TABLE half (id integer); SELEKT 1;' });
    await expect(openDatabase(fresh.url, { migrationsDir: directory })).rejects.toThrow(/migration 0002-bad\.sql failed, nothing of it was applied: syntax error/);
    const tables = await withClient(fresh.url, async (client) => (await client.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).rows);
    expect(tables).toEqual([]);
  });

  it('refuses to start when an applied migration was edited, or the database is newer than the code', async () => {
    const fresh = await freshDatabase();
    const first = migrationsDir({ '0001-a.sql': 'CREATE TABLE a (id integer);', '0002-b.sql': 'CREATE TABLE b (id integer);' });
    await (await openDatabase(fresh.url, { migrationsDir: first })).close();
    const edited = migrationsDir({ '0001-a.sql': 'CREATE TABLE a (id bigint);', '0002-b.sql': 'CREATE TABLE b (id integer);' });
    await expect(openDatabase(fresh.url, { migrationsDir: edited })).rejects.toThrow(MigrationError);
    await expect(openDatabase(fresh.url, { migrationsDir: edited })).rejects.toThrow(/migration 0001-a\.sql has changed since it was applied/);
    const older = migrationsDir({ '0001-a.sql': 'CREATE TABLE a (id integer);' });
    await expect(openDatabase(fresh.url, { migrationsDir: older })).rejects.toThrow(/the database has migration 0002-b\.sql, which this version of Weft does not have/);
  });
});
