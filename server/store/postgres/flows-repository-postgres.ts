/**
 * Saved flows in PostgreSQL (table flow_versions, migrations/0001-flow-versions.sql): each save
 * appends a version holding the canonical text, a deletion appends a version without one, and a
 * flow's current version is its latest. Every server on the database sees the same flows.
 *
 * Writers of one flow are serialised by a transaction-scoped advisory lock on the flow id, so
 * concurrent saves get consecutive versions instead of colliding on the primary key; `putAll`
 * takes the locks in id order and saves everything in one transaction, all or none.
 */
import { flowHash, serializeFlow } from '../../../shared/canonical.ts';
import type { Flow } from '../../../shared/flow.ts';
import { ID_PATTERN } from '../../../shared/ids.ts';
import type { FlowsRepository } from '../flows-repository.ts';
import { FLOW_FILE_SUFFIX, InvalidFlowIdError, type FlowListEntry, type FlowReadResult } from '../flows-store.ts';
import type { Database } from './database.ts';
import { FlowTextCache } from '../flow-text-cache.ts';

interface Queryable {
  query: Database['query'];
}

interface LatestRow {
  flow_id: string;
  version: number;
  document: string | null;
}

function checkId(id: string): void {
  if (!ID_PATTERN.test(id)) throw new InvalidFlowIdError(id);
}

export class PostgresFlowsRepository implements FlowsRepository {
  readonly #database: Database;
  readonly #cache = new FlowTextCache((id) => `the flow is saved as "${id}"`);

  constructor(database: Database) {
    this.#database = database;
  }

  async list(): Promise<FlowListEntry[]> {
    const { rows } = await this.#database.query<LatestRow>(
      'SELECT flow_id, version, document FROM (SELECT DISTINCT ON (flow_id) flow_id, version, document FROM flow_versions ORDER BY flow_id, version DESC) AS latest WHERE document IS NOT NULL',
    );
    const entries = rows.map((row) => this.#summarise(row.flow_id, row.document!));
    // By file name, as the file store lists them ("a-b.flow.json" before "a.flow.json").
    return entries.sort((left, right) => (left.file < right.file ? -1 : left.file > right.file ? 1 : 0));
  }

  #summarise(id: string, text: string): FlowListEntry {
    const file = `${id}${FLOW_FILE_SUFFIX}`;
    const result = this.#cache.read(id, text);
    if (result.status !== 'ok') return { id, file, valid: false, problems: result.status === 'invalid' ? result.problems : [] };
    const { flow } = result;
    return { id, file, valid: true, name: flow.name, ...(flow.description !== undefined ? { description: flow.description } : {}), nodeCount: flow.nodes.length };
  }

  async get(id: string): Promise<FlowReadResult> {
    checkId(id);
    const latest = await latestVersion(this.#database, id);
    if (latest?.document == null) {
      this.#cache.forget(id);
      return { status: 'missing' };
    }
    return this.#cache.read(id, latest.document);
  }

  async put(flow: Flow): Promise<{ created: boolean; hash: string }> {
    const [result] = await this.putAll([flow]);
    return result!;
  }

  async putAll(flows: readonly Flow[]): Promise<Array<{ created: boolean; hash: string }>> {
    for (const flow of flows) checkId(flow.id);
    const ids = [...new Set(flows.map((flow) => flow.id))].sort();
    return this.#database.transaction(async (client) => {
      for (const id of ids) await lockFlow(client, id);
      const results: Array<{ created: boolean; hash: string }> = [];
      for (const flow of flows) {
        this.#cache.forget(flow.id);
        const latest = await latestVersion(client, flow.id);
        const hash = flowHash(flow);
        await client.query('INSERT INTO flow_versions (flow_id, version, document, hash) VALUES ($1, $2, $3, $4)', [flow.id, (latest?.version ?? 0) + 1, serializeFlow(flow), hash]);
        results.push({ created: latest?.document == null, hash });
      }
      return results;
    });
  }

  async delete(id: string): Promise<boolean> {
    checkId(id);
    this.#cache.forget(id);
    return this.#database.transaction(async (client) => {
      await lockFlow(client, id);
      const latest = await latestVersion(client, id);
      if (latest?.document == null) return false;
      await client.query('INSERT INTO flow_versions (flow_id, version, document, hash) VALUES ($1, $2, NULL, NULL)', [id, latest.version + 1]);
      return true;
    });
  }
}

async function lockFlow(client: Queryable, id: string): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock(hashtextextended('weft.flow:' || $1, 0))", [id]);
}

async function latestVersion(client: Queryable, id: string): Promise<LatestRow | undefined> {
  const { rows } = await client.query<LatestRow>('SELECT flow_id, version, document FROM flow_versions WHERE flow_id = $1 ORDER BY version DESC LIMIT 1', [id]);
  return rows[0];
}
