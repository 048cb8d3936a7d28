/** UI state that is not the document: the right-hand tab, dialogs, toasts, the wire hint. */
import { create } from 'zustand';

export type RightTab = 'inspect' | 'run' | 'history' | 'approvals';

export type Dialog =
  | { type: 'run-inputs' }
  | { type: 'rename' }
  | { type: 'import-problems'; fileName: string; problems: string[] }
  | { type: 'confirm'; title: string; message: string; confirmLabel: string; danger?: boolean; onConfirm: () => void };

export interface Toast {
  id: number;
  tone: 'info' | 'success' | 'error';
  text: string;
}

interface UiState {
  rightTab: RightTab;
  dialog: Dialog | null;
  toasts: Toast[];
  /** Why the wire being drawn (or just refused) does not fit; shown near the canvas. */
  wireHint: { text: string; refused: boolean } | null;
  /** The step shown in the trace when a run is on the canvas. */
  focusedStep: string | null;
  setRightTab(tab: RightTab): void;
  openDialog(dialog: Dialog): void;
  closeDialog(): void;
  notify(text: string, tone?: Toast['tone']): void;
  dismiss(id: number): void;
  setWireHint(hint: UiState['wireHint']): void;
  focusStep(nodeId: string | null): void;
}

let nextToast = 1;

export const useUi = create<UiState>()((set, get) => ({
  rightTab: 'inspect',
  dialog: null,
  toasts: [],
  wireHint: null,
  focusedStep: null,
  setRightTab: (rightTab) => set({ rightTab }),
  openDialog: (dialog) => set({ dialog }),
  closeDialog: () => set({ dialog: null }),
  notify(text, tone = 'info') {
    const id = nextToast++;
    set({ toasts: [...get().toasts.slice(-3), { id, tone, text }] });
    setTimeout(() => get().dismiss(id), tone === 'error' ? 9000 : 4500);
  },
  dismiss: (id) => set({ toasts: get().toasts.filter((toast) => toast.id !== id) }),
  setWireHint: (wireHint) => set({ wireHint }),
  focusStep: (focusedStep) => set(focusedStep ? { focusedStep, rightTab: 'inspect' } : { focusedStep }),
}));

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
