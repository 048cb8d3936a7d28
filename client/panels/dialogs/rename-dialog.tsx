/** Renames the flow: its name and its id (the file name), checked against the id rule and the saved flows. */
import { useState } from 'react';
import { ID_PATTERN, ID_RULE } from '../../../shared/ids.ts';
import { documentStore } from '../../state/document.ts';
import { saveFlow } from '../../state/flow-actions.ts';
import { useLibrary } from '../../state/library-store.ts';
import { slugify } from '../../state/node-ids.ts';
import { useUi } from '../../state/ui-store.ts';
import { Modal } from './modal.tsx';

export function RenameDialog({ save = false }: { save?: boolean }) {
  const flow = documentStore.getState().flow;
  const savedId = documentStore.getState().savedId;
  const [name, setName] = useState(save ? '' : flow.name);
  const [id, setId] = useState(flow.id);
  const [idTouched, setIdTouched] = useState(false);
  const close = useUi((state) => state.closeDialog);
  const taken = id !== savedId && id !== flow.id && useLibrary.getState().flows.some((entry) => entry.id === id);
  const idError = !ID_PATTERN.test(id) ? `An id is ${ID_RULE}.` : taken ? `A saved flow already has the id "${id}".` : null;
  const nameError = name.trim() === '' ? 'A flow needs a name.' : null;

  const apply = () => {
    if (idError || nameError) return;
    const store = documentStore.getState();
    store.commit({ ...store.flow, name: name.trim(), id });
    close();
    if (save) void saveFlow();
    if (savedId && id !== savedId) useUi.getState().notify(`Save to move flows/${savedId}.flow.json to flows/${id}.flow.json`);
  };

  return (
    <Modal title={save ? 'Save flow: name it' : 'Rename flow'} onClose={close} testId="rename-dialog">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          apply();
        }}
      >
        <div className="form-row">
          <label className="form-label">Name</label>
          <input
            className="input"
            autoFocus
            value={name}
            onChange={(event) => {
              setName(event.target.value);
              if (!idTouched && savedId === null) setId(slugify(event.target.value, 'flow'));
            }}
            data-testid="rename-name"
          />
          {nameError ? <div className="error-text small">{nameError}</div> : null}
        </div>
        <div className="form-row">
          <label className="form-label">Id (file name)</label>
          <input
            className={`input mono${idError ? ' input-error' : ''}`}
            value={id}
            onChange={(event) => {
              setIdTouched(true);
              setId(event.target.value);
            }}
            data-testid="rename-id"
          />
          {idError ? <div className="error-text small">{idError}</div> : <div className="form-help">flows/{id}.flow.json</div>}
        </div>
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={close}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={Boolean(idError || nameError)} data-testid="rename-apply">
            {save ? 'Save' : 'Rename'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
