/**
 * The run on the canvas: live over the WebSocket, or a past one rebuilt from its log. Its state
 * is the shared reducer's, fed by `mergeEvents` so repeats and gaps are handled. Live events are
 * applied once per animation frame, as a batch: the store (and every view of it) changes at most
 * once a frame however fast a run goes.
 */
import { create } from 'zustand';
import type { RunEvent } from '../../shared/events.ts';
import type { RunState } from '../../shared/run-state.ts';
import { api } from '../api/api-client.ts';
import { ApiError } from '../api/http.ts';
import { onRunEvent, runSocket } from '../api/socket-service.ts';
import { createFrameBatcher } from './frame-batcher.ts';
import { emptyRun, mergeEvents } from './run-tracker.ts';
import { useUi } from './ui-store.ts';
import { writeUrlState } from './url-state.ts';

interface RunStore {
  runId: string | null;
  run: RunState | null;
  error: string | null;
  loading: boolean;
  watch(runId: string): void;
  close(): void;
  ingest(events: readonly RunEvent[]): void;
  catchUp(): Promise<void>;
}

function dropRunTrail(): void {
  const { trail, setTrail } = useUi.getState();
  if (trail.some((step) => step.type === 'run')) setTrail(trail.filter((step) => step.type === 'flow'));
}

let catchingUp: { runId: string; again: boolean; promise: Promise<void> } | null = null;

export const useRun = create<RunStore>()((set, get) => ({
  runId: null,
  run: null,
  error: null,
  loading: false,

  watch(runId) {
    const previous = get().runId;
    if (previous === runId) return;
    if (previous) runSocket().unsubscribe(previous);
    // A run opened from anywhere but a parent's node starts a new way in (child-navigation.ts sets its own).
    dropRunTrail();
    set({ runId, run: emptyRun(runId), error: null, loading: true });
    writeUrlState({ run: runId });
    runSocket().subscribe(runId, 0);
    void get().catchUp();
  },

  close() {
    const previous = get().runId;
    if (previous) runSocket().unsubscribe(previous);
    dropRunTrail();
    set({ runId: null, run: null, error: null, loading: false });
    writeUrlState({ run: undefined });
  },

  ingest(events) {
    const { run } = get();
    if (!run) return;
    const { state, gap } = mergeEvents(run, events);
    if (state !== run) set({ run: state, loading: false });
    if (gap) void get().catchUp();
  },

  async catchUp() {
    const runId = get().runId;
    if (!runId) return;
    if (catchingUp?.runId === runId) {
      catchingUp.again = true;
      return catchingUp.promise;
    }
    const entry: { runId: string; again: boolean; promise: Promise<void> } = { runId, again: false, promise: Promise.resolve() };
    catchingUp = entry;
    entry.promise = (async () => {
      try {
        do {
          entry.again = false;
          const after = get().run?.lastSeq ?? 0;
          const events = await api.runEvents(runId, after);
          if (get().runId !== runId) return;
          const { state } = mergeEvents(get().run ?? emptyRun(runId), events);
          set({ run: state });
        } while (entry.again && get().runId === runId);
      } catch (error) {
        if (get().runId !== runId) return;
        const message = error instanceof ApiError && error.status === 404 ? `run ${runId} was not found` : error instanceof Error ? error.message : String(error);
        set({ error: message });
      } finally {
        if (get().runId === runId) set({ loading: false });
        if (catchingUp === entry) catchingUp = null;
      }
    })();
    return entry.promise;
  },
}));

const liveEvents = createFrameBatcher<RunEvent>((events) => {
  const { runId, ingest } = useRun.getState();
  const mine = events.filter((event) => event.runId === runId);
  if (mine.length > 0) ingest(mine);
});

onRunEvent((event) => {
  if (event.runId === useRun.getState().runId) liveEvents.push(event);
});
