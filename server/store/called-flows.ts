/**
 * Flows that call saved flows (subflow, map), checked and pinned against the flows repository as
 * `weft validate` and `weft run` check them against the flows directory (server/cli/called-flows.ts).
 *
 * The stores validate each flow on its own, where a call of another flow is a `missing-flow`
 * problem; `ResolvingFlowsRepository` checks such a flow again with the flows it calls, so the
 * start page, `GET /api/flows` and runs see a composed flow as valid when its calls are.
 */
import { flowHash } from '../../shared/canonical.ts';
import type { PinnedFlowEntry } from '../../shared/events.ts';
import { flowSchema, migrateFlowDocument, type Flow } from '../../shared/flow.ts';
import { callsOf, loadCallClosure, lookupIn, pinFlows } from '../../shared/flow-calls.ts';
import { isValidId } from '../../shared/ids.ts';
import { validateFlowDocument, type ValidationResult } from '../../shared/validate.ts';
import type { FlowListEntry, FlowReadResult, FlowsRepository } from './flows-repository.ts';

/** A document's flow when it is well-formed (graph problems aside), else undefined. */
export function flowStructure(document: unknown): Flow | undefined {
  const migrated = migrateFlowDocument(document);
  if (!migrated.ok) return undefined;
  const parsed = flowSchema.safeParse(migrated.document);
  return parsed.success ? parsed.data : undefined;
}

/** A saved flow's structure, valid or not on its own (its own calls are checked from the root). */
async function savedStructure(flows: FlowsRepository, id: string): Promise<Flow | undefined> {
  if (!isValidId(id)) return undefined;
  const result = await flows.get(id);
  if (result.status === 'ok') return result.flow;
  if (result.status === 'invalid' && result.document) {
    const flow = flowStructure(result.document);
    return flow?.id === id ? flow : undefined;
  }
  return undefined;
}

/** Every saved flow `root` may call, directly or through others. */
export function loadSavedCalls(root: Flow, flows: FlowsRepository): Promise<Map<string, Flow>> {
  return loadCallClosure(root, (id) => savedStructure(flows, id));
}

/** What a run of `flow` pins at start: the saved flows it may call, by hash. */
export async function pinSavedCalls(flow: Flow, flows: FlowsRepository): Promise<Record<string, PinnedFlowEntry>> {
  if (callsOf(flow).length === 0) return {};
  return pinFlows(await loadSavedCalls(flow, flows));
}

/** Validates a document (a request body, a saved file) with the saved flows it calls. */
export async function validateWithSavedFlows(document: unknown, flows: FlowsRepository): Promise<ValidationResult> {
  const root = flowStructure(document);
  if (!root || callsOf(root).length === 0) return validateFlowDocument(document);
  const called = await loadSavedCalls(root, flows);
  return validateFlowDocument(document, { flows: lookupIn(called) });
}

/** The flows repository, with composed flows checked against the flows they call. */
export class ResolvingFlowsRepository implements FlowsRepository {
  readonly #inner: FlowsRepository;
  readonly putAll?: FlowsRepository['putAll'];

  constructor(inner: FlowsRepository) {
    this.#inner = inner;
    if (inner.putAll) this.putAll = (list) => inner.putAll!(list);
  }

  async get(id: string): Promise<FlowReadResult> {
    const result = await this.#inner.get(id);
    if (result.status !== 'invalid' || !result.document) return result;
    const root = flowStructure(result.document);
    // Only a well-formed flow of this id that calls others can be valid with them.
    if (!root || root.id !== id || callsOf(root).length === 0) return result;
    const resolved = await validateWithSavedFlows(result.document, this.#inner);
    if (!resolved.ok) return { status: 'invalid', problems: resolved.problems, document: result.document };
    return { status: 'ok', flow: resolved.flow, hash: flowHash(resolved.flow) };
  }

  async list(): Promise<FlowListEntry[]> {
    const entries = await this.#inner.list();
    return Promise.all(
      entries.map(async (entry) => {
        // Flows without calls are listed as the store checked them; `get` checks them no differently.
        if (entry.valid || !isValidId(entry.id)) return entry;
        const result = await this.get(entry.id);
        if (result.status === 'missing') return entry;
        if (result.status === 'invalid') return { id: entry.id, file: entry.file, valid: false as const, ...(entry.name !== undefined ? { name: entry.name } : {}), problems: result.problems };
        const { flow } = result;
        return { id: entry.id, file: entry.file, valid: true as const, name: flow.name, ...(flow.description !== undefined ? { description: flow.description } : {}), nodeCount: flow.nodes.length };
      }),
    );
  }

  put(flow: Flow): Promise<{ created: boolean; hash: string }> {
    return this.#inner.put(flow);
  }

  delete(id: string): Promise<boolean> {
    return this.#inner.delete(id);
  }
}
