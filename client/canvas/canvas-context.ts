/** What every node on the canvas needs besides its own data: edit or run mode, and the problems. */
import { createContext, useContext } from 'react';
import type { ProblemIndex } from '../state/problems.ts';

export interface CanvasContextValue {
  /** A run is on the canvas: nodes show step state and cannot be edited. */
  runMode: boolean;
  problems: ProblemIndex | null;
}

export const CanvasContext = createContext<CanvasContextValue>({ runMode: false, problems: null });

export function useCanvasContext(): CanvasContextValue {
  return useContext(CanvasContext);
}
