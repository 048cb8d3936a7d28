/**
 * The editor's document: the flow being edited, its undo/redo history as reversible diffs, the
 * selection, and what was last saved (for the unsaved marker).
 */
import { createStore } from 'zustand/vanilla';
import { serializeFlow } from '../../shared/canonical.ts';
import type { Flow } from '../../shared/flow.ts';
import { applyDiff, diffFlows, isEmptyDiff, reverseDiff, type FlowDiff } from './flow-diff.ts';
import { emptyFlow } from './flow-edits.ts';

/** Consecutive edits with the same merge key within this time become one undo step (typing). */
export const MERGE_WINDOW_MS = 1500;
export const HISTORY_LIMIT = 200;

export interface Selection {
  nodes: string[];
  edges: string[];
}

export interface DocumentState {
  flow: Flow;
  past: FlowDiff[];
  future: FlowDiff[];
  selection: Selection;
  /** Canonical text of the flow as last loaded from or saved to the server; null when never saved. */
  savedText: string | null;
  /** The id the flow is saved under (differs from flow.id after a rename, until saved). */
  savedId: string | null;
  /** Set while a drag is in progress: the flow before it, so the whole drag is one undo step. */
  transientBase: Flow | null;
  lastMerge: { key: string; at: number } | null;
  /** Counts loads (open, new, import) so the canvas can fit the view to a newly opened flow. */
  loadCount: number;
}

export interface CommitOptions {
  mergeKey?: string;
  now?: number;
}

export interface DocumentActions {
  load(flow: Flow, options?: { saved?: boolean }): void;
  commit(next: Flow, options?: CommitOptions): void;
  /** Shows an in-between state (a node being dragged) without adding history. */
  setTransient(next: Flow): void;
  /** Ends a transient change; `final` (default: the current flow) becomes one undo step. */
  endTransient(final?: Flow): void;
  undo(): void;
  redo(): void;
  select(selection: Partial<Selection>): void;
  markSaved(flow: Flow): void;
}

export type DocumentStore = DocumentState & DocumentActions;

const canonicalTexts = new WeakMap<Flow, string>();

/** The canonical text of a flow, computed once per flow version (the unsaved marker asks often). */
export function canonicalText(flow: Flow): string {
  let text = canonicalTexts.get(flow);
  if (text === undefined) {
    text = serializeFlow(flow);
    canonicalTexts.set(flow, text);
  }
  return text;
}

export function isDirty(state: Pick<DocumentState, 'flow' | 'savedText' | 'savedId'>): boolean {
  return state.savedText === null || state.savedId !== state.flow.id || canonicalText(state.flow) !== state.savedText;
}

export function createDocumentStore(initial: Flow = emptyFlow('untitled', 'Untitled flow')) {
  return createStore<DocumentStore>()((set, get) => ({
    flow: initial,
    past: [],
    future: [],
    selection: { nodes: [], edges: [] },
    savedText: null,
    savedId: null,
    transientBase: null,
    lastMerge: null,
    loadCount: 0,

    load(flow, options = {}) {
      set({
        loadCount: get().loadCount + 1,
        flow,
        past: [],
        future: [],
        selection: { nodes: [], edges: [] },
        savedText: options.saved ? canonicalText(flow) : null,
        savedId: options.saved ? flow.id : null,
        transientBase: null,
        lastMerge: null,
      });
    },

    commit(next, options = {}) {
      const state = get();
      const before = state.transientBase ?? state.flow;
      const now = options.now ?? Date.now();
      const merge = options.mergeKey !== undefined && state.lastMerge?.key === options.mergeKey && now - state.lastMerge.at < MERGE_WINDOW_MS && state.past.length > 0 && state.transientBase === null;
      if (merge) {
        const base = applyDiff(before, reverseDiff(state.past[state.past.length - 1]!));
        const diff = diffFlows(base, next);
        const past = state.past.slice(0, -1);
        set({ flow: next, past: isEmptyDiff(diff) ? past : [...past, diff], future: [], lastMerge: { key: options.mergeKey!, at: now } });
        return;
      }
      const diff = diffFlows(before, next);
      if (isEmptyDiff(diff)) {
        set({ flow: next, transientBase: null });
        return;
      }
      set({
        flow: next,
        past: [...state.past, diff].slice(-HISTORY_LIMIT),
        future: [],
        transientBase: null,
        lastMerge: options.mergeKey !== undefined ? { key: options.mergeKey, at: now } : null,
      });
    },

    setTransient(next) {
      const state = get();
      set({ flow: next, transientBase: state.transientBase ?? state.flow });
    },

    endTransient(final) {
      const state = get();
      if (state.transientBase === null) return;
      get().commit(final ?? state.flow);
    },

    undo() {
      const state = get();
      const diff = state.past[state.past.length - 1];
      if (!diff || state.transientBase) return;
      set({ flow: applyDiff(state.flow, reverseDiff(diff)), past: state.past.slice(0, -1), future: [diff, ...state.future], lastMerge: null });
    },

    redo() {
      const state = get();
      const diff = state.future[0];
      if (!diff || state.transientBase) return;
      set({ flow: applyDiff(state.flow, diff), past: [...state.past, diff], future: state.future.slice(1), lastMerge: null });
    },

    select(selection) {
      const current = get().selection;
      set({ selection: { nodes: selection.nodes ?? current.nodes, edges: selection.edges ?? current.edges } });
    },

    markSaved(flow) {
      set({ savedText: canonicalText(flow), savedId: flow.id });
    },
  }));
}

export type DocumentStoreApi = ReturnType<typeof createDocumentStore>;
