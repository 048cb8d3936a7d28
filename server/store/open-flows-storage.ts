/**
 * Picks the flows store: the flows directory by default, PostgreSQL when a database URL is given
 * (`WEFT_DATABASE_URL`, read by server/config.ts). The database code is loaded only then, so
 * the default mode needs nothing beyond files.
 */
import type { FlowsRepository, StoreKind } from './flows-repository.ts';
import { FlowsStore } from './flows-store.ts';
import type { Database } from './postgres/database.ts';

export interface FlowsStorage {
  kind: StoreKind;
  flows: FlowsRepository;
  /** `host:port/database` in database mode, the flows directory otherwise; never a password. */
  location: string;
  /** The database in database mode (the runs store uses the same pool). */
  database?: Database;
  close(): Promise<void>;
}

export interface OpenFlowsStorageOptions {
  databaseUrl?: string | undefined;
  flowsDir: string;
  log?: (line: string) => void;
}

export async function openFlowsStorage(options: OpenFlowsStorageOptions): Promise<FlowsStorage> {
  if (options.databaseUrl === undefined) {
    const store = new FlowsStore(options.flowsDir);
    await store.init();
    return { kind: 'files', flows: store, location: store.directory, close: async () => undefined };
  }
  const [{ openDatabase }, { PostgresFlowsRepository }] = await Promise.all([import('./postgres/database.ts'), import('./postgres/flows-repository-postgres.ts')]);
  const database = await openDatabase(options.databaseUrl, { ...(options.log ? { log: options.log } : {}) });
  return { kind: 'postgres', flows: new PostgresFlowsRepository(database), location: database.target, database, close: () => database.close() };
}
