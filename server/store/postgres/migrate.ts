/**
 * Versioned schema migrations: `migrations/NNNN-name.sql`, applied in order on start. Several
 * processes may start at once: each migrates inside one transaction that first takes a
 * transaction-scoped advisory lock, so one applies what is missing while the others wait and
 * then find nothing to do. A migration that fails rolls the whole transaction back, so the
 * schema is never half-migrated. An applied migration whose file has changed since, or one the
 * database knows and this code does not (a newer Weft migrated it), stops the start.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientBase } from 'pg';
import { isConnectionError } from './database-errors.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Any constant works; this one spells "weft" so it is recognisable in pg_locks. */
const MIGRATION_LOCK_KEY = 0x77656674;
const FILE_NAME = /^(\d{4})-([a-z0-9-]+)\.sql$/;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

/** The migrations in a directory, checked: names `NNNN-name.sql`, versions 1, 2, 3… without gaps. */
export async function readMigrations(directory = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(directory)).filter((file) => file.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (!match) throw new MigrationError(`${join(directory, file)}: a migration's name must be NNNN-name.sql (four digits, then lowercase words)`);
    const version = Number(match[1]);
    if (version !== migrations.length + 1) throw new MigrationError(`${join(directory, file)}: expected migration ${String(migrations.length + 1).padStart(4, '0')} next, found ${match[1]}`);
    const sql = await readFile(join(directory, file), 'utf8');
    migrations.push({ version, name: file, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return migrations;
}

/** Applies what is missing, in one transaction; returns the versions this call applied. */
export async function migrate(client: ClientBase, migrations: readonly Migration[]): Promise<number[]> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS weft_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number; name: string; checksum: string }>('SELECT version, name, checksum FROM weft_migrations ORDER BY version');
    const known = new Map(migrations.map((migration) => [migration.version, migration]));
    for (const row of rows) {
      const migration = known.get(row.version);
      if (!migration) throw new MigrationError(`the database has migration ${row.name}, which this version of Weft does not have: it was migrated by a newer Weft`);
      if (migration.checksum !== row.checksum) throw new MigrationError(`migration ${migration.name} has changed since it was applied to this database; add a new migration instead of editing an applied one`);
    }
    const applied: number[] = [];
    for (const migration of migrations) {
      if (rows.some((row) => row.version === migration.version)) continue;
      try {
        await client.query(migration.sql);
      } catch (error) {
        if (isConnectionError(error)) throw error;
        throw new MigrationError(`migration ${migration.name} failed, nothing of it was applied: ${error instanceof Error ? error.message : String(error)}`);
      }
      await client.query('INSERT INTO weft_migrations (version, name, checksum) VALUES ($1, $2, $3)', [migration.version, migration.name, migration.checksum]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
