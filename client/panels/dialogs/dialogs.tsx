/** Whichever dialog is open: run inputs, rename, confirm, settings, a flow's API, or the problems of a refused file. */
import { CompareRunsDialog } from '../history/compare-runs-dialog.tsx';
import { RunDialog } from '../run/run-dialog.tsx';
import { ApiKeysSettings } from '../settings/api-keys-settings.tsx';
import { FlowApiDialog } from '../settings/flow-api-dialog.tsx';
import { useUi } from '../../state/ui-store.ts';
import { ItemRunsDialog } from './item-runs-dialog.tsx';
import { Modal } from './modal.tsx';
import { RenameDialog } from './rename-dialog.tsx';

export function Dialogs() {
  const dialog = useUi((state) => state.dialog);
  const close = useUi((state) => state.closeDialog);
  if (!dialog) return null;
  switch (dialog.type) {
    case 'run-inputs':
      return <RunDialog />;
    case 'compare-runs':
      return <CompareRunsDialog left={dialog.left} right={dialog.right} />;
    case 'settings':
      return <ApiKeysSettings />;
    case 'flow-api':
      return <FlowApiDialog />;
    case 'item-runs':
      return <ItemRunsDialog runId={dialog.runId} nodeId={dialog.nodeId} />;
    case 'rename':
      return <RenameDialog save={dialog.save} />;
    case 'import-problems':
      return (
        <Modal title={`Cannot open ${dialog.fileName}`} onClose={close} testId="import-problems">
          <p>Nothing was changed. The file has {dialog.problems.length === 1 ? 'this problem' : 'these problems'}:</p>
          <ul className="problems">
            {dialog.problems.map((problem, index) => (
              <li key={index} className="problem mono small">
                {problem}
              </li>
            ))}
          </ul>
          <div className="dialog-actions">
            <button type="button" className="btn btn-primary" onClick={close}>
              OK
            </button>
          </div>
        </Modal>
      );
    case 'confirm':
      return (
        <Modal title={dialog.title} onClose={close} testId="confirm-dialog">
          <p>{dialog.message}</p>
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={close}>
              Cancel
            </button>
            <button
              type="button"
              className={`btn ${dialog.danger ? 'btn-danger' : 'btn-primary'}`}
              onClick={() => {
                close();
                dialog.onConfirm();
              }}
              data-testid="confirm-button"
            >
              {dialog.confirmLabel}
            </button>
          </div>
        </Modal>
      );
  }
}
