/** The top bar: flow name and unsaved marker, simulated badge, Settings, undo/redo, import/export, API, Save and Run. */
import { useRef } from 'react';
import { useSocketStatus } from '../api/socket-service.ts';
import { useApprovals } from '../state/approvals-store.ts';
import { documentStore, useDirty, useDocument } from '../state/document.ts';
import { exportFlow, guardUnsaved, importFlowFile, saveFlow, UNTITLED_NAME } from '../state/flow-actions.ts';
import { emptyFlow } from '../state/flow-edits.ts';
import { writeUrlState } from '../state/url-state.ts';
import { useLibrary } from '../state/library-store.ts';
import { isActive } from '../state/run-tracker.ts';
import { useRun } from '../state/run-store.ts';
import { useUi } from '../state/ui-store.ts';

export function TopBar() {
  const name = useDocument((state) => state.flow.name);
  const id = useDocument((state) => state.flow.id);
  const canUndo = useDocument((state) => state.past.length > 0);
  const canRedo = useDocument((state) => state.future.length > 0);
  const dirty = useDirty();
  const simulated = useLibrary((state) => state.health?.simulated === true);
  const waiting = useApprovals((state) => state.items.length);
  const socket = useSocketStatus((state) => state.status);
  const runActive = useRun((state) => isActive(state.run) && (state.run?.lastSeq ?? 0) > 0);
  const runMode = useRun((state) => state.runId !== null);
  const ui = useUi();
  const fileInput = useRef<HTMLInputElement>(null);
  const startPage = ui.startPage;
  const showStart = () =>
    guardUnsaved(() => {
      useRun.getState().close();
      // Changes the person chose to discard are dropped now, not asked about again later.
      documentStore.getState().load(emptyFlow('untitled', UNTITLED_NAME), { saved: false });
      writeUrlState({ flow: undefined, run: undefined });
      ui.showStartPage(true);
    }, 'go to the start page');

  return (
    <header className="top-bar">
      <button type="button" className="brand" onClick={showStart} title="The start page: flows, recent runs, what is waiting for you" data-testid="home-button">
        <span className="brand-mark" aria-hidden>
          ◇
        </span>
        Weft
      </button>
      {startPage ? null : (
        <>
          <button type="button" className="flow-name" onClick={() => ui.openDialog({ type: 'rename' })} title="Rename the flow (name and id)" data-testid="flow-name">
            <span className="flow-name-text">{name}</span>
            <span className="flow-id mono">{id}</span>
          </button>
          {dirty ? (
            <span className="unsaved" data-testid="unsaved-marker" title="Changes not saved (Ctrl/Cmd+S)">
              ● Unsaved
            </span>
          ) : (
            <span className="saved" data-testid="saved-marker">
              Saved
            </span>
          )}
        </>
      )}
      <div className="spacer" />
      {socket === 'reconnecting' ? <span className="badge badge-warn">Reconnecting…</span> : null}
      {simulated ? (
        <span className="badge badge-sim" data-testid="simulated-badge" title="No OPENAI_API_KEY on the server: model nodes answer from Weft's simulated endpoint, and their costs are simulated.">
          Simulated models
        </span>
      ) : null}
      {waiting > 0 ? (
        <button type="button" className="badge badge-waiting" onClick={() => ui.setRightTab('approvals')} data-testid="waiting-badge">
          {waiting} waiting for you
        </button>
      ) : null}
      <button type="button" className="btn" onClick={() => ui.openDialog({ type: 'settings' })} title="Settings: API keys" data-testid="settings-button">
        Settings
      </button>
      {startPage ? null : (
        <>
          <div className="btn-group">
            <button type="button" className="btn" disabled={!canUndo || runMode} onClick={() => documentStore.getState().undo()} title="Undo (Ctrl/Cmd+Z)" data-testid="undo-button">
              Undo
            </button>
            <button type="button" className="btn" disabled={!canRedo || runMode} onClick={() => documentStore.getState().redo()} title="Redo (Ctrl/Cmd+Shift+Z)" data-testid="redo-button">
              Redo
            </button>
          </div>
          <div className="btn-group">
            <button type="button" className="btn" onClick={() => fileInput.current?.click()} data-testid="import-button">
              Import
            </button>
            <input
              ref={fileInput}
              type="file"
              accept=".json,application/json"
              hidden
              data-testid="import-input"
              onChange={(event) => {
                const file = event.target.files?.[0];
                event.target.value = '';
                if (file) void importFlowFile(file);
              }}
            />
            <button type="button" className="btn" onClick={exportFlow} title={`Download ${id}.flow.json (canonical)`} data-testid="export-button">
              Export
            </button>
          </div>
          <button type="button" className="btn" onClick={() => ui.openDialog({ type: 'flow-api' })} title="Call this flow from your app: curl, fetch, OpenAPI" data-testid="api-button">
            API
          </button>
          <button type="button" className="btn" onClick={() => void saveFlow()} title="Save (Ctrl/Cmd+S)" data-testid="save-button">
            Save
          </button>
          <button type="button" className="btn btn-primary" disabled={runActive} onClick={() => ui.openDialog({ type: 'run-inputs' })} data-testid="run-button">
            {runActive ? 'Running…' : 'Run'}
          </button>
        </>
      )}
    </header>
  );
}
