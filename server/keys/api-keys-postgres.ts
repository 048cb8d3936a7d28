/**
 * API keys in database mode: the `api_keys` table, so every server on the database (and
 * `weft keys` with WEFT_DATABASE_URL) sees the same keys at once. The same rules as the file: only
 * the hash is kept, revoked keys stay listed, one active key per name (a unique index, so two
 * servers creating the same name at once cannot both succeed). Rows are checked against the same
 * schema as the file's entries when read.
 */
import { z } from 'zod';
import type { Database } from '../store/postgres/database.ts';
import { duplicateKeyError, keySummary, newKey, storedKeySchema, type ApiKeyStore, type KeySummary, type StoredKey } from './api-keys.ts';

interface Row {
  name: string;
  hash: string;
  flows: string[] | null;
  scopes: string[];
  created_at: string;
  revoked_at: string | null;
}

const rowsSchema = z.array(storedKeySchema);

/** PostgreSQL's unique_violation: here, an active key of that name exists already. */
const isUniqueViolation = (error: unknown): boolean => (error as { code?: unknown }).code === '23505';

export class PostgresApiKeys implements ApiKeyStore {
  readonly #database: Database;

  constructor(database: Database) {
    this.#database = database;
  }

  async list(): Promise<StoredKey[]> {
    const rows = (await this.#database.query<Row>('SELECT name, hash, flows, scopes, created_at, revoked_at FROM api_keys ORDER BY created_at, name')).rows;
    return rowsSchema.parse(rows.map((row) => ({ name: row.name, hash: row.hash, ...(row.flows ? { flows: row.flows } : {}), scopes: row.scopes, createdAt: row.created_at, ...(row.revoked_at ? { revokedAt: row.revoked_at } : {}) })));
  }

  async create(name: string, flows?: string[]): Promise<{ key: string; summary: KeySummary }> {
    const { key, stored } = newKey(name, flows);
    try {
      await this.#database.transaction(async (client) => {
        await client.query('DELETE FROM api_keys WHERE name = $1 AND revoked_at IS NOT NULL', [name]);
        await client.query('INSERT INTO api_keys (name, hash, flows, scopes, created_at) VALUES ($1, $2, $3, $4, $5)', [stored.name, stored.hash, stored.flows ?? null, stored.scopes, stored.createdAt]);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicateKeyError(name);
      throw error;
    }
    return { key, summary: keySummary(stored) };
  }

  async revoke(name: string): Promise<boolean> {
    const updated = await this.#database.query('UPDATE api_keys SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL', [name, new Date().toISOString()]);
    return updated.rowCount === 1;
  }
}
