/**
 * The open flow as an API: a `curl` and a `fetch` call of its invoke endpoint, and its OpenAPI 3.1
 * document (built by shared/flow-openapi.ts, the same code the server answers
 * `/api/flows/:id/openapi.json` with).
 */
import { flowOpenApi } from '../../../shared/flow-openapi.ts';
import { useDirty, useDocument } from '../../state/document.ts';
import { useUi } from '../../state/ui-store.ts';
import { Modal } from '../dialogs/modal.tsx';
import { curlExample, fetchExample } from './invoke-examples.ts';

export function FlowApiDialog() {
  const close = useUi((state) => state.closeDialog);
  const openDialog = useUi((state) => state.openDialog);
  const flow = useDocument((state) => state.flow);
  const dirty = useDirty();
  const origin = window.location.origin;
  return (
    <Modal title={`Use "${flow.name}" from your app`} onClose={close} testId="flow-api-dialog" wide>
      {dirty ? <p className="problem">Save the flow first: invoking runs the saved version.</p> : null}
      <p className="small">
        With an API key in <span className="mono">WEFT_KEY</span> (create one in{' '}
        <button type="button" className="link-button" onClick={() => openDialog({ type: 'settings' })}>
          Settings
        </button>
        ):
      </p>
      <div>
        <div className="small">curl</div>
        <pre className="code-block" data-testid="curl-example">
          {curlExample(flow, origin)}
        </pre>
      </div>
      <div>
        <div className="small">fetch</div>
        <pre className="code-block" data-testid="fetch-example">
          {fetchExample(flow, origin)}
        </pre>
      </div>
      <div>
        <div className="small">
          OpenAPI 3.1 (<a href={`/api/flows/${flow.id}/openapi.json`} target="_blank" rel="noreferrer">openapi.json</a>)
        </div>
        <pre className="code-block" data-testid="openapi-document">
          {JSON.stringify(flowOpenApi(flow, 'draft'), null, 2)}
        </pre>
      </div>
      <div className="dialog-actions">
        <button type="button" className="btn btn-primary" onClick={close}>
          Close
        </button>
      </div>
    </Modal>
  );
}
