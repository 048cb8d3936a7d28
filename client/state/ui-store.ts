/** UI state that is not the document: the right-hand tab, dialogs, toasts, the wire hint. */
import { create } from 'zustand';

export type RightTab = 'inspect' | 'run' | 'evaluate' | 'history' | 'approvals' | 'cost';

export type Dialog =
  | { type: 'run-inputs' }
  /** `save`: the first save of a flow that was never named; Save writes it once it has a name. */
  | { type: 'rename'; save?: boolean }
  | { type: 'import-problems'; fileName: string; problems: string[] }
  | { type: 'compare-runs'; left: string; right: string }
  /** Settings: API keys for invoking flows. */
  | { type: 'settings' }
  /** How to call the open flow from an application: curl, fetch, its OpenAPI document. */
  | { type: 'flow-api' }
  /** The child runs of a step over many items (a map), each opening its run. */
  | { type: 'item-runs'; runId: string; nodeId: string }
  | { type: 'confirm'; title: string; message: string; confirmLabel: string; danger?: boolean; onConfirm: () => void };

/**
 * A step of the way into a child (the breadcrumb over the canvas): the flow whose node was opened,
 * or the run whose step's child run was opened.
 */
export type TrailStep = { type: 'flow'; flowId: string; name: string } | { type: 'run'; runId: string; flowId: string };

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
  /** The approval card to bring into view in the inbox (its run and step), set by a node's Review…. */
  focusedApproval: { runId: string; nodeId: string } | null;
  /** The start page is shown instead of the canvas when no flow is open. */
  startPage: boolean;
  /** How the canvas got to what it shows, through parents opened one child at a time. */
  trail: TrailStep[];
  setTrail(trail: TrailStep[]): void;
  setRightTab(tab: RightTab): void;
  openDialog(dialog: Dialog): void;
  closeDialog(): void;
  notify(text: string, tone?: Toast['tone']): void;
  dismiss(id: number): void;
  setWireHint(hint: UiState['wireHint']): void;
  focusStep(nodeId: string | null): void;
  reviewApproval(runId: string, nodeId: string): void;
  showStartPage(shown: boolean): void;
}

let nextToast = 1;

export const useUi = create<UiState>()((set, get) => ({
  rightTab: 'inspect',
  dialog: null,
  toasts: [],
  wireHint: null,
  focusedStep: null,
  focusedApproval: null,
  startPage: false,
  trail: [],
  setTrail: (trail) => set({ trail }),
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
  reviewApproval: (runId, nodeId) => set({ focusedApproval: { runId, nodeId }, rightTab: 'approvals' }),
  showStartPage: (startPage) => set({ startPage }),
}));

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
