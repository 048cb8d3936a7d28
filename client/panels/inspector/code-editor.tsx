/**
 * The editor of code steps (and other code-like fields): CodeMirror 6 with highlighting for
 * TypeScript/JavaScript/JSON, completion of `inputs.<name>` from the step's input fields, syntax
 * errors marked at their line, and an Expand button for a large editing view. CodeMirror is loaded
 * on first use (`code-mirror-editor.ts` is a dynamic import), so the designer's first load does not
 * carry it.
 */
import { useEffect, useRef, useState } from 'react';
import type { Field } from '../../../shared/ports.ts';
import { Modal } from '../dialogs/modal.tsx';
import type { CodeLanguage, SyntaxProblem } from './code-language.ts';
import type { CodeMirrorHandle } from './code-mirror-editor.ts';

interface Props {
  value: string;
  onChange: (value: string) => void;
  testId: string;
  language?: CodeLanguage;
  inputs?: readonly Field[];
  /** What is edited, for the large view's title and the editor's accessible name. */
  label?: string;
  wrap?: boolean;
}

interface ViewProps extends Required<Omit<Props, 'testId'>> {
  testId: string;
  className: string;
  onProblems: (problems: SyntaxProblem[]) => void;
  autoFocus?: boolean;
  /** A prompt template: `{{` completes the input names. */
  templates?: boolean;
  /** Given the editor once it has loaded (and null when it goes), for actions such as inserting at the cursor. */
  handleRef?: React.RefObject<CodeMirrorHandle | null>;
}

/** One CodeMirror editor, loaded on first use; its text follows `value`. */
export function CodeMirrorView({ value, onChange, language, inputs, label, wrap, testId, className, onProblems, autoFocus = false, templates = false, handleRef }: ViewProps) {
  const parent = useRef<HTMLDivElement>(null);
  const ownHandle = useRef<CodeMirrorHandle | null>(null);
  const handle = handleRef ?? ownHandle;
  const latest = useRef({ value, onChange, onProblems, inputs });
  latest.current = { value, onChange, onProblems, inputs };
  const [loaded, setLoaded] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    import('./code-mirror-editor.ts').then(
      ({ createCodeMirror }) => {
        if (!live || !parent.current) return;
        handle.current = createCodeMirror(parent.current, latest.current.value, {
          language,
          wrap,
          label,
          templates,
          inputs: latest.current.inputs,
          onChange: (text) => latest.current.onChange(text),
          onProblems: (problems) => latest.current.onProblems(problems),
        });
        if (autoFocus) handle.current.focus();
        setLoaded(true);
      },
      (error: unknown) => live && setFailed(error instanceof Error ? error.message : String(error)),
    );
    return () => {
      live = false;
      handle.current?.destroy();
      handle.current = null;
    };
  }, [language, wrap, label, autoFocus, templates, handle]);

  useEffect(() => handle.current?.setText(value), [value]);
  useEffect(() => handle.current?.setInputs(inputs), [inputs]);

  return (
    <div className={`code-mirror ${className}`} ref={parent} data-testid={testId} data-loaded={loaded ? 'true' : undefined}>
      {failed ? <div className="error-text small">The editor did not load: {failed}</div> : null}
      {!loaded && !failed ? <pre className="code-mirror-loading mono">{value}</pre> : null}
    </div>
  );
}

/** The large editing view on its own, for fields with an inline editor of their own (prompts, JSON). */
export function LargeCodeView({ onClose, testId, value, onChange, language = 'text', inputs = [], label = 'Edit', wrap = true, templates = false }: Props & { onClose: () => void; templates?: boolean }) {
  const [problems, setProblems] = useState<SyntaxProblem[]>([]);
  return (
    <Modal title={label} onClose={onClose} testId={`${testId}-large`} wide>
      <CodeMirrorView value={value} onChange={onChange} language={language} inputs={inputs} label={label} wrap={wrap} templates={templates} onProblems={setProblems} testId={`${testId}-large-editor`} className="code-mirror-large" autoFocus />
      {problems.length > 0 ? <div className="error-text small">{problems.map((problem) => problem.message).join('; ')}</div> : null}
      <div className="dialog-actions">
        <button type="button" className="btn btn-primary" onClick={onClose} data-testid={`${testId}-done`}>
          Done
        </button>
      </div>
    </Modal>
  );
}

export function CodeEditor({ value, onChange, testId, language = 'typescript', inputs = [], label = 'Code', wrap = false }: Props) {
  const [expanded, setExpanded] = useState(false);
  const [problems, setProblems] = useState<SyntaxProblem[]>([]);
  const shared = { value, onChange, language, inputs, label, wrap, onProblems: setProblems };
  return (
    <div className="code-editor">
      <div className="row between">
        <span className={`small ${problems.length > 0 ? 'error-text' : 'muted'}`} data-testid={`${testId}-problems`}>
          {problems.length > 0 ? problems.map((problem) => problem.message).join('; ') : language === 'text' ? '' : `${language === 'json' ? 'JSON' : language === 'javascript' ? 'JavaScript' : 'TypeScript'}${inputs.length > 0 ? ' · type inputs. for the input names' : ''}`}
        </span>
        <button type="button" className="link-btn" onClick={() => setExpanded(true)} data-testid={`${testId}-expand`}>
          Expand
        </button>
      </div>
      {expanded ? null : <CodeMirrorView {...shared} testId={testId} className="code-mirror-inline" />}
      {expanded ? (
        <Modal title={label} onClose={() => setExpanded(false)} testId={`${testId}-large`} wide>
          <CodeMirrorView {...shared} testId={`${testId}-large-editor`} className="code-mirror-large" autoFocus />
          <div className="dialog-actions">
            <button type="button" className="btn btn-primary" onClick={() => setExpanded(false)} data-testid={`${testId}-done`}>
              Done
            </button>
          </div>
        </Modal>
      ) : null}
    </div>
  );
}
