/** The designer: top bar; palette and flows on the left; the canvas; inspector, run, history and approvals on the right. */
import { ReactFlowProvider } from '@xyflow/react';
import { useEffect } from 'react';
import { FlowCanvas } from './canvas/flow-canvas.tsx';
import { Dialogs } from './panels/dialogs/dialogs.tsx';
import { FlowsList } from './panels/flows-list.tsx';
import { Palette } from './panels/palette.tsx';
import { RightPanel } from './panels/right-panel.tsx';
import { StartPage } from './panels/start/start-page.tsx';
import { Toasts } from './panels/toasts.tsx';
import { TopBar } from './panels/top-bar.tsx';
import { useApprovals } from './state/approvals-store.ts';
import { openFlow } from './state/flow-actions.ts';
import { useLibrary } from './state/library-store.ts';
import { useRun } from './state/run-store.ts';
import { useUi } from './state/ui-store.ts';
import { readUrlState } from './state/url-state.ts';
import { useShortcuts } from './state/use-shortcuts.ts';

let restored = false;

async function restoreFromUrl(): Promise<void> {
  if (restored) return;
  restored = true;
  const { flow, run } = readUrlState();
  // Nothing asked for: the start page, not an empty untitled flow.
  if (!flow && !run) useUi.getState().showStartPage(true);
  if (flow) await openFlow(flow);
  if (run) {
    useUi.getState().showStartPage(false);
    useRun.getState().watch(run);
    useUi.getState().setRightTab('run');
  }
}

export function App() {
  useShortcuts();
  const startPage = useUi((state) => state.startPage);
  useEffect(() => {
    void useLibrary.getState().loadHealth();
    useApprovals.getState().start();
    void restoreFromUrl();
  }, []);
  return (
    <ReactFlowProvider>
      <div className="app">
        <TopBar />
        <div className="workspace">
          {startPage ? (
            <main className="centre centre-start">
              <StartPage />
            </main>
          ) : (
            <>
              <aside className="left-panel">
                <Palette />
                <FlowsList />
              </aside>
              <main className="centre">
                <FlowCanvas />
              </main>
            </>
          )}
          <RightPanel />
        </div>
        <Dialogs />
        <Toasts />
      </div>
    </ReactFlowProvider>
  );
}
