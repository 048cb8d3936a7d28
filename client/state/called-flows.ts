/**
 * The flows the open flow calls (through a node whose kind declares `calls`: a subflow, a map),
 * and the flows those call, read from the flows API. A calling node's ports are its child flow's
 * fields (shared/kinds/<kind>.ts derives them from a KindContext), so the canvas, the wire check
 * and the live validation all read them through `calledFlowsContext()`.
 *
 * `version` changes whenever what is known changes; caches of ports and problems key on it.
 */
import { create } from 'zustand';
import { callsOf, kindContext, MAX_CALLED_FLOWS } from '../../shared/flow-calls.ts';
import { flowSchema, migrateFlowDocument, type Flow } from '../../shared/flow.ts';
import type { KindContext } from '../../shared/kinds/define-kind.ts';
import { api } from '../api/api-client.ts';
import { ApiError } from '../api/http.ts';

/** Reads one flow: the flow, 'missing' (no such flow, or a file that is not a flow), or throws (try again later). */
export type FlowFetcher = (id: string) => Promise<Flow | 'missing'>;

export const fetchFlowFromApi: FlowFetcher = async (id) => {
  try {
    const migrated = migrateFlowDocument(await api.getFlow(id));
    if (!migrated.ok) return 'missing';
    const parsed = flowSchema.safeParse(migrated.document);
    return parsed.success ? parsed.data : 'missing';
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 422)) return 'missing';
    throw error;
  }
};

interface CalledFlowsState {
  flows: ReadonlyMap<string, Flow>;
  /** Ids the API said do not exist (or are not flows): the validator names them. */
  missing: ReadonlySet<string>;
  version: number;
  /** Loads every flow `root` calls, directly or through its children, that is not known yet. */
  ensure(root: Flow, fetch?: FlowFetcher): Promise<void>;
  /** Forgets what was read (a flow was opened: its children may have changed since). */
  reset(): void;
}

/** Ids being read now, so a render that asks again does not read them twice. */
const inFlight = new Map<string, Promise<void>>();
/** Counts resets: a read that began before the last one is stale. */
let generation = 0;

export const useCalledFlows = create<CalledFlowsState>()((set, get) => ({
  flows: new Map(),
  missing: new Set(),
  version: 0,

  async ensure(root, fetch = fetchFlowFromApi) {
    const tried = new Set<string>([root.id]);
    let queue = callsOf(root).map((call) => call.flowId);
    while (queue.length > 0 && tried.size <= MAX_CALLED_FLOWS) {
      const next: string[] = [];
      const reads: Promise<void>[] = [];
      for (const id of queue) {
        if (tried.has(id)) continue;
        tried.add(id);
        const known = get().flows.get(id);
        if (known) {
          next.push(...callsOf(known).map((call) => call.flowId));
          continue;
        }
        if (get().missing.has(id)) continue;
        reads.push(read(id, fetch).then(() => {
          const flow = get().flows.get(id);
          if (flow) next.push(...callsOf(flow).map((call) => call.flowId));
        }));
      }
      await Promise.all(reads);
      queue = next;
    }
  },

  reset() {
    inFlight.clear();
    generation++;
    set({ flows: new Map(), missing: new Set(), version: get().version + 1 });
  },
}));

function read(id: string, fetch: FlowFetcher): Promise<void> {
  const pending = inFlight.get(id);
  if (pending) return pending;
  const began = generation;
  const promise = fetch(id)
    .then((result) => {
      if (began !== generation) return; // reset while reading: stale
      const state = useCalledFlows.getState();
      if (result === 'missing') useCalledFlows.setState({ missing: new Set([...state.missing, id]), version: state.version + 1 });
      else useCalledFlows.setState({ flows: new Map([...state.flows, [id, result]]), version: state.version + 1 });
    })
    .catch(() => undefined) // unreachable now: not known, so not called missing; asked again on the next open
    .finally(() => {
      if (inFlight.get(id) === promise) inFlight.delete(id);
    });
  inFlight.set(id, promise);
  return promise;
}

let cachedContext: { version: number; context: KindContext } | undefined;

/** What kinds that call flows look their child up in: the flows read so far. */
export function calledFlowsContext(): KindContext {
  const { version, flows } = useCalledFlows.getState();
  if (cachedContext?.version !== version) cachedContext = { version, context: kindContext((id) => flows.get(id)) };
  return cachedContext.context;
}

export function calledFlowsVersion(): number {
  return useCalledFlows.getState().version;
}

/**
 * Whether every flow `root` calls, through any depth, is known (read, or known missing): only then
 * can the validator say a called flow does not exist without being wrong about one still loading.
 */
export function callsKnown(root: Flow): boolean {
  const { flows, missing } = useCalledFlows.getState();
  const seen = new Set<string>([root.id]);
  const queue = callsOf(root).map((call) => call.flowId);
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (seen.has(id)) continue;
    seen.add(id);
    if (missing.has(id)) continue;
    const flow = flows.get(id);
    if (!flow) return false;
    queue.push(...callsOf(flow).map((call) => call.flowId));
  }
  return true;
}

/** The flow `id` as read, for the validator's lookup. */
export function calledFlow(id: string): Flow | undefined {
  return useCalledFlows.getState().flows.get(id);
}
