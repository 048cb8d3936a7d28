/**
 * What every server on one database must agree on beyond flows and runs: the API keys, which run
 * an `Idempotency-Key` started, and which schedule ticks have started theirs. In file mode these
 * live in the data directory; with a database (`WEFT_DATABASE_URL`) in PostgreSQL, so several
 * servers start one run per key and per tick. The database code is loaded only in database mode.
 */
import { IdempotencyStore, type Idempotency } from './invoke/idempotency-store.ts';
import { ApiKeys, type ApiKeyStore } from './keys/api-keys.ts';
import { FileTickClaims, type TickClaims } from './schedule/tick-claims.ts';
import type { Database } from './store/postgres/database.ts';

export interface ServerState {
  keys: ApiKeyStore;
  idempotency: Idempotency;
  tickClaims: TickClaims;
}

export async function openServerState(database: Database | undefined, dataDir: string): Promise<ServerState> {
  if (!database) return { keys: new ApiKeys(dataDir), idempotency: await IdempotencyStore.open(dataDir), tickClaims: new FileTickClaims(dataDir) };
  const [{ PostgresApiKeys }, { PostgresIdempotency }, { PostgresTickClaims }] = await Promise.all([import('./keys/api-keys-postgres.ts'), import('./invoke/idempotency-postgres.ts'), import('./schedule/tick-claims-postgres.ts')]);
  return { keys: new PostgresApiKeys(database), idempotency: new PostgresIdempotency(database), tickClaims: new PostgresTickClaims(database) };
}
