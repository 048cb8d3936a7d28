/** What the server has: the saved flows and whether models are simulated. */
import { create } from 'zustand';
import { api } from '../api/api-client.ts';
import type { FlowSummary, Health } from '../api/api-schemas.ts';

interface LibraryStore {
  flows: FlowSummary[];
  flowsError: string | null;
  health: Health | null;
  healthError: string | null;
  refreshFlows(): Promise<void>;
  loadHealth(): Promise<void>;
}

export const useLibrary = create<LibraryStore>()((set) => ({
  flows: [],
  flowsError: null,
  health: null,
  healthError: null,
  async refreshFlows() {
    try {
      set({ flows: await api.listFlows(), flowsError: null });
    } catch (error) {
      set({ flowsError: error instanceof Error ? error.message : String(error) });
    }
  },
  async loadHealth() {
    try {
      set({ health: await api.health(), healthError: null });
    } catch (error) {
      set({ healthError: error instanceof Error ? error.message : String(error) });
    }
  },
}));
