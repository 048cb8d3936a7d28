/**
 * The last replay or what-if answer, kept outside the Run tab's components: showing the new run
 * remounts them (the run loads before it is shown as ended), and the comparison must survive that.
 */
import { create } from 'zustand';
import type { RunComparisonAnswer } from '../../shared/wire/run-replay.ts';

interface ComparisonStore {
  comparison: RunComparisonAnswer | undefined;
  show(comparison: RunComparisonAnswer): void;
}

export const useComparison = create<ComparisonStore>()((set) => ({
  comparison: undefined,
  show: (comparison) => set({ comparison }),
}));
