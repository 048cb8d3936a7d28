/**
 * Spend caps for `weft run`: the flow's `settings.spendCaps` (and those of the flows it calls) and
 * WEFT_SPEND_CAP_DAY_USD, held against the spend so far like on a server. In database mode
 * (WEFT_DATABASE_URL) against the shared ledger in the database, so the CLI and the servers count
 * the same dollars; otherwise against what the run logs in WEFT_DATA_DIR hold (the CLI's own runs
 * are not logged there, so each `weft run` counts only its own spend on top).
 */
import { resolve } from 'node:path';
import type { Flow } from '../../shared/flow.ts';
import type { EngineServices } from '../engine/executor.ts';
import type { Database } from '../store/postgres/database.ts';
import { readLogDirectoryRecords } from './log-directory-records.ts';
import { memorySpendLedger, openSpendLedger, spendLookBack } from './open-spend-ledger.ts';
import { serverSpendCapsFrom } from './server-spend-caps.ts';

export interface CliSpend {
  /** Undefined when no cap covers the run: nothing is read then. */
  spend: EngineServices['spend'];
  close(): Promise<void>;
}

/** Throws ConfigError for a bad WEFT_SPEND_CAP_DAY_USD, DatabaseUnreachableError for a database out of reach. */
export async function openCliSpend(env: Record<string, string | undefined>, flows: readonly Flow[]): Promise<CliSpend> {
  const serverCaps = serverSpendCapsFrom(env);
  if (serverCaps.length === 0 && !flows.some((flow) => (flow.settings?.spendCaps?.length ?? 0) > 0)) return { spend: undefined, close: async () => undefined };
  const databaseUrl = env['WEFT_DATABASE_URL'] || undefined;
  if (databaseUrl === undefined) {
    const records = await readLogDirectoryRecords(resolve(env['WEFT_DATA_DIR'] ?? 'data'), { since: spendLookBack() });
    return { spend: { ledger: memorySpendLedger(records), serverCaps }, close: async () => undefined };
  }
  const [{ openDatabase }, { databaseCostSource }] = await Promise.all([import('../store/postgres/database.ts'), import('../store/postgres/cost-source-postgres.ts')]);
  const database: Database = await openDatabase(databaseUrl, { log: () => undefined });
  const ledger = await openSpendLedger(databaseCostSource(database), { database });
  return {
    spend: { ledger, serverCaps },
    close: async () => {
      ledger.close();
      await database.close();
    },
  };
}
