/**
 * Every step waiting for a person, across runs: fetched from `/api/approvals` and refreshed when
 * the `*` subscription reports a wait or a decision (and by a slow poll as a safety net).
 */
import { create } from 'zustand';
import { api } from '../api/api-client.ts';
import type { ApprovalItem } from '../api/api-schemas.ts';
import { ALL_RUNS } from '../api/run-socket.ts';
import { onRunEvent, runSocket } from '../api/socket-service.ts';

interface ApprovalsStore {
  items: ApprovalItem[];
  error: string | null;
  loaded: boolean;
  refresh(): Promise<void>;
  start(): void;
}

const REFRESH_TYPES = new Set(['step.waiting', 'step.decided', 'run.succeeded', 'run.failed', 'run.cancelled', 'step.cancelled', 'step.failed']);
const POLL_MS = 15_000;
let started = false;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;

export const useApprovals = create<ApprovalsStore>()((set, get) => ({
  items: [],
  error: null,
  loaded: false,

  async refresh() {
    try {
      const items = await api.approvals();
      set({ items, error: null, loaded: true });
    } catch (error) {
      set({ error: error instanceof Error ? error.message : String(error), loaded: true });
    }
  },

  start() {
    if (started) return;
    started = true;
    runSocket().subscribe(ALL_RUNS, 0);
    onRunEvent((event) => {
      if (!REFRESH_TYPES.has(event.type)) return;
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => void get().refresh(), 150);
    });
    setInterval(() => void get().refresh(), POLL_MS);
    void get().refresh();
  },
}));
