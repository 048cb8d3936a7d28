/**
 * API keys for invoking flows from other programs. A key is shown once when it is created and
 * stored only as its SHA-256 hash in `api-keys.json` in the data directory; it may be limited to
 * some flows, and it only ever allows invoking (the admin `WEFT_TOKEN` guards everything else).
 * A revoked key stays listed (revoked), so revoking the last key does not reopen invoking.
 * The file is read on every check, so `weft keys` changes apply to a running server at once.
 * Creating and revoking read, change and write the file under a lock file (proper-lockfile), so
 * the CLI and a running server (or two requests) changing keys at once never lose one.
 * In database mode the keys are rows in PostgreSQL instead (api-keys-postgres.ts), so every
 * server on the database accepts the same keys.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { lock } from 'proper-lockfile';
import { z } from 'zod';
import { idParam, keyNameParam } from '../../shared/wire/rest-requests.ts';
import { readJsonDataFile, writeJsonDataFile } from '../store/json-data-file.ts';

const keyNameSchema = keyNameParam;
const keyFlowsSchema = z.array(idParam).max(100);

export const storedKeySchema = z
  .object({
    name: keyNameSchema,
    /** SHA-256 of the key, hex. */
    hash: z.string().regex(/^[0-9a-f]{64}$/),
    /** Absent: every flow. */
    flows: keyFlowsSchema.optional(),
    scopes: z.array(z.literal('invoke')),
    createdAt: z.string(),
    revokedAt: z.string().optional(),
  })
  .strict();
const keysFileSchema = z.object({ version: z.literal(1), keys: z.array(storedKeySchema) }).strict();
export type StoredKey = z.infer<typeof storedKeySchema>;
/** What lists show: never the hash. */
export type KeySummary = Omit<StoredKey, 'hash'>;

const KEY_PREFIX = 'weft_';

/**
 * Waiting for the lock: a change takes milliseconds, so retries up to about ten seconds. A lock
 * whose holder died is taken over once it is `stale` (proper-lockfile refreshes a held lock's
 * time well before that).
 */
const LOCK_OPTIONS = { realpath: false, stale: 10_000, retries: { retries: 100, factor: 1.2, minTimeout: 10, maxTimeout: 200 } };

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function keySummary({ hash: _hash, ...rest }: StoredKey): KeySummary {
  return rest;
}

export class KeyError extends Error {}

/** Where API keys are kept: `api-keys.json` in the data directory, or PostgreSQL. */
export interface ApiKeyStore {
  /** Every key, revoked ones too. */
  list(): Promise<StoredKey[]>;
  /** Creates a key; the returned `key` is the only time it is ever seen. Throws KeyError when an active key has the name. */
  create(name: string, flows?: string[]): Promise<{ key: string; summary: KeySummary }>;
  /** False when there is no unrevoked key of that name. */
  revoke(name: string): Promise<boolean>;
}

/** A new key and what is stored of it (its hash); the key itself is shown once. */
export function newKey(name: string, flows?: string[]): { key: string; stored: StoredKey } {
  const key = `${KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
  return { key, stored: { name, hash: hashKey(key), ...(flows && flows.length > 0 ? { flows } : {}), scopes: ['invoke'], createdAt: new Date().toISOString() } };
}

export const duplicateKeyError = (name: string): KeyError => new KeyError(`there is already a key named "${name}"; revoke it first or choose another name`);

export class ApiKeys implements ApiKeyStore {
  readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, 'api-keys.json');
  }

  async list(): Promise<StoredKey[]> {
    return (await readJsonDataFile(this.path, keysFileSchema))?.keys ?? [];
  }

  create(name: string, flows?: string[]): Promise<{ key: string; summary: KeySummary }> {
    return this.#change((keys) => {
      if (keys.some((stored) => stored.name === name && stored.revokedAt === undefined)) throw duplicateKeyError(name);
      const { key, stored } = newKey(name, flows);
      return { keys: [...keys.filter((other) => other.name !== name), stored], result: { key, summary: keySummary(stored) } };
    });
  }

  revoke(name: string): Promise<boolean> {
    return this.#change((keys) => {
      const target = keys.find((stored) => stored.name === name && stored.revokedAt === undefined);
      if (!target) return { result: false };
      target.revokedAt = new Date().toISOString();
      return { keys, result: true };
    });
  }

  /** Reads the keys, applies `change` and writes what it returns, all under the keys' lock file. */
  async #change<T>(change: (keys: StoredKey[]) => { keys?: StoredKey[]; result: T }): Promise<T> {
    await mkdir(dirname(this.path), { recursive: true });
    const release = await lock(this.path, { ...LOCK_OPTIONS, lockfilePath: `${this.path}.lock` });
    try {
      const { keys, result } = change(await this.list());
      if (keys) await writeJsonDataFile(this.path, { version: 1, keys });
      return result;
    } finally {
      await release();
    }
  }
}

export type KeyCheck = { ok: true; key: StoredKey } | { ok: false; status: 401 | 403; message: string };

/** Which key (if any) a presented bearer token is, and whether it may invoke `flowId`. */
export function checkKey(keys: StoredKey[], presented: string | undefined, flowId: string): KeyCheck {
  if (presented === undefined) return { ok: false, status: 401, message: 'invoking needs an API key (Authorization: Bearer <key>); create one with `npx weft keys create --name NAME`' };
  const digest = Buffer.from(hashKey(presented), 'hex');
  const key = keys.find((stored) => timingSafeEqual(Buffer.from(stored.hash, 'hex'), digest));
  if (!key) return { ok: false, status: 401, message: 'unknown API key' };
  if (key.revokedAt !== undefined) return { ok: false, status: 401, message: `API key "${key.name}" was revoked` };
  if (!key.scopes.includes('invoke')) return { ok: false, status: 403, message: `API key "${key.name}" may not invoke flows` };
  if (key.flows && !key.flows.includes(flowId)) return { ok: false, status: 403, message: `API key "${key.name}" may not invoke flow "${flowId}"` };
  return { ok: true, key };
}
