/**
 * A step's whole streamed output in a dialog, following it while it still arrives: the answer as
 * the kind presents it, and the text exactly as the model sent it. Rendered into the document body:
 * inside the canvas it would be scaled and moved with the view, and clicks on it would reach the node.
 */
import { useState } from 'react';
import { createPortal } from 'react-dom';
import { Modal } from '../panels/dialogs/modal.tsx';

interface Props {
  title: string;
  /** The output as the kind presents it. */
  text: string;
  /** The text as it streamed in. */
  raw: string;
  running: boolean;
  nodeId: string;
  onClose: () => void;
}

export function StreamedOutputView({ title, text, raw, running, nodeId, onClose }: Props) {
  const [showRaw, setShowRaw] = useState(false);
  const differs = raw !== text;
  return createPortal(
    <div onClick={(event) => event.stopPropagation()} onMouseDown={(event) => event.stopPropagation()} onDoubleClick={(event) => event.stopPropagation()}>
      <Modal title={title} onClose={onClose} testId={`node-output-${nodeId}`} wide>
        <pre className="code-block stream-output" data-testid={`node-output-text-${nodeId}`}>
          {showRaw ? raw : text}
          {running ? <span className="caret" /> : null}
        </pre>
        <div className="dialog-actions">
          {differs ? (
            <button type="button" className="btn" onClick={() => setShowRaw(!showRaw)} data-testid={`node-output-raw-${nodeId}`}>
              {showRaw ? 'Show the answer' : 'Show as received'}
            </button>
          ) : null}
          <button type="button" className="btn btn-primary" onClick={onClose} data-testid={`node-output-close-${nodeId}`}>
            Close
          </button>
        </div>
      </Modal>
    </div>,
    document.body,
  );
}
