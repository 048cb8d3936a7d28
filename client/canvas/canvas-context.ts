/**
 * What every node on the canvas needs besides its own data: whether a run is shown. Problems and
 * step states are not in here: each node selects its own from the stores, so a change re-renders
 * only the nodes it concerns.
 */
import { createContext, useContext } from 'react';

export interface CanvasContextValue {
  /** A run is on the canvas: nodes show step state and cannot be edited. */
  runMode: boolean;
}

export const EDIT_CONTEXT: CanvasContextValue = { runMode: false };
export const RUN_CONTEXT: CanvasContextValue = { runMode: true };

export const CanvasContext = createContext<CanvasContextValue>(EDIT_CONTEXT);

export function useCanvasContext(): CanvasContextValue {
  return useContext(CanvasContext);
}
