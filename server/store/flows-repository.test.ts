/** The FlowsRepository contract against both stores, and what only PostgreSQL promises. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serializeFlow } from '../../shared/canonical.ts';
import { reviewFlow } from '../testing/fixture-flows.ts';
import { makeTempDirs, type TempDirs } from '../testing/temp-dirs.ts';
import { flowsRepositoryContract } from './flows-repository.contract.ts';
import { FlowsStore } from './flows-store.ts';
import { openDatabase, type Database } from './postgres/database.ts';
import { PostgresFlowsRepository } from './postgres/flows-repository-postgres.ts';
import { describeWithDatabase } from './postgres/testing/test-database.ts';

describe('FlowsRepository contract: files', () => {
  let dirs: TempDirs;
  let repository: FlowsStore;
  beforeEach(async () => {
    dirs?.remove();
    dirs = makeTempDirs();
    repository = new FlowsStore(dirs.flowsDir);
    await repository.init();
  });
  afterAll(() => dirs?.remove());
  flowsRepositoryContract(() => ({ repository, another: () => new FlowsStore(dirs.flowsDir) }));
});

describeWithDatabase('FlowsRepository contract: PostgreSQL', (testDatabase) => {
  let database: Database;
  let second: Database;
  let repository: PostgresFlowsRepository;
  beforeAll(async () => {
    database = await openDatabase(testDatabase().url);
    second = await openDatabase(testDatabase().url);
  });
  afterAll(async () => {
    await database?.close();
    await second?.close();
  });
  beforeEach(async () => {
    await database.query('TRUNCATE flow_versions');
    repository = new PostgresFlowsRepository(database);
  });
  flowsRepositoryContract(() => ({ repository, another: () => new PostgresFlowsRepository(second) }));

  it('keeps every save as a version and records a delete, holding the canonical text', async () => {
    await repository.put(reviewFlow());
    await repository.put({ ...reviewFlow(), name: 'Second' });
    await repository.delete('review');
    await repository.put({ ...reviewFlow(), name: 'Third' });
    const { rows } = await database.query<{ version: number; document: string | null }>("SELECT version, document FROM flow_versions WHERE flow_id = 'review' ORDER BY version");
    expect(rows).toEqual([
      { version: 1, document: serializeFlow(reviewFlow()) },
      { version: 2, document: serializeFlow({ ...reviewFlow(), name: 'Second' }) },
      { version: 3, document: null },
      { version: 4, document: serializeFlow({ ...reviewFlow(), name: 'Third' }) },
    ]);
  });

  it('gives concurrent saves from two servers consecutive versions, exactly one of them "created"', async () => {
    const other = new PostgresFlowsRepository(second);
    const saves = Array.from({ length: 12 }, (_, index) => (index % 2 === 0 ? repository : other).put({ ...reviewFlow(), name: `Save ${index}` }));
    const results = await Promise.all(saves);
    expect(results.filter((result) => result.created)).toHaveLength(1);
    const { rows } = await database.query<{ version: number }>("SELECT version FROM flow_versions WHERE flow_id = 'review' ORDER BY version");
    expect(rows.map((row) => row.version)).toEqual(Array.from({ length: 12 }, (_, index) => index + 1));
  });

  it('saves nothing of a putAll when one of its flows cannot be saved', async () => {
    await expect(repository.putAll([reviewFlow('first'), reviewFlow('second'), { ...reviewFlow('third'), id: 'Bad Id' }])).rejects.toThrow(/"Bad Id" is not a flow id/);
    // A failure inside the transaction (here a constraint the third flow breaks) rolls back the flows before it.
    await database.query("ALTER TABLE flow_versions ADD CONSTRAINT no_third CHECK (flow_id <> 'third')");
    try {
      await expect(repository.putAll([reviewFlow('first'), reviewFlow('third')])).rejects.toThrow(/no_third/);
    } finally {
      await database.query('ALTER TABLE flow_versions DROP CONSTRAINT no_third');
    }
    expect(await repository.list()).toEqual([]);
  });
});
