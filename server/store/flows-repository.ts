/**
 * Where saved flows live, as the HTTP routes (server/http/flows-router.ts) and the CLI
 * (server/cli/flows-command.ts) see it. Two implementations: FlowsStore (flows-store.ts), the
 * `<id>.flow.json` files of the flows directory, and PostgresFlowsRepository
 * (postgres/flows-repository-postgres.ts), where each save is a new version. Both keep the same
 * canonical text (shared/canonical.ts serializeFlow) and give the same validation results; one
 * contract suite (flows-repository.test.ts) runs against both.
 */
import type { Flow } from '../../shared/flow.ts';
import type { FlowListEntry, FlowReadResult } from './flows-store.ts';

export type { FlowListEntry, FlowReadResult } from './flows-store.ts';

/** Which store holds the state: reported by GET /api/health. */
export type StoreKind = 'files' | 'postgres';

export interface FlowsRepository {
  /** Every flow, sorted by file name (`<id>.flow.json`); an invalid one is listed with its problems. */
  list(): Promise<FlowListEntry[]>;
  /** The current version; the same Flow object again while its text is unchanged (the engine caches by object). */
  get(id: string): Promise<FlowReadResult>;
  /** Saves a validated flow; `created` when there was no current flow of that id. */
  put(flow: Flow): Promise<{ created: boolean; hash: string }>;
  /** False when there was no flow of that id. */
  delete(id: string): Promise<boolean>;
  /** Saves several flows at once, all or none (where the store can promise that). */
  putAll?(flows: readonly Flow[]): Promise<Array<{ created: boolean; hash: string }>>;
}

/** Saves flows with `putAll` where the repository has it, else one by one. */
export async function saveAll(repository: FlowsRepository, flows: readonly Flow[]): Promise<Array<{ created: boolean; hash: string }>> {
  if (repository.putAll) return repository.putAll(flows);
  const results: Array<{ created: boolean; hash: string }> = [];
  for (const flow of flows) results.push(await repository.put(flow));
  return results;
}
