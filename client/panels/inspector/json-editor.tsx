/**
 * A JSON editor: commits only text that parses, and shows where it does not. In the inspector it
 * is CodeMirror (`codeMirror`: highlighting, syntax errors marked at their line); elsewhere a textarea.
 */
import { useEffect, useRef, useState } from 'react';
import { parseJsonText } from '../../../shared/json-text.ts';
import { CodeMirrorView, LargeCodeView } from './code-editor.tsx';
import type { SyntaxProblem } from './code-language.ts';

interface Props {
  value: unknown;
  onChange: (value: unknown) => void;
  testId: string;
  rows?: number;
  /** Extra check of a parsed value; return a message to refuse it. */
  check?: (value: unknown) => string | undefined;
  /** Told whether the text currently parses (null) or not (the message). */
  onError?: (message: string | null) => void;
  /** CodeMirror inline instead of a textarea. */
  codeMirror?: boolean;
}

function print(value: unknown): string {
  return value === undefined ? '' : JSON.stringify(value, null, 2);
}

export function JsonEditor({ value, onChange, testId, rows = 6, check, onError, codeMirror = false }: Props) {
  const [text, setText] = useState(() => print(value));
  const [error, setError] = useState<string | null>(null);
  const [expanded, setExpanded] = useState(false);
  const [syntax, setSyntax] = useState<SyntaxProblem[]>([]);
  const committed = useRef(print(value));
  useEffect(() => {
    const printed = print(value);
    if (printed !== committed.current) {
      committed.current = printed;
      setText(printed);
      setError(null);
    }
  }, [value]);

  const update = (next: string) => {
    setText(next);
    const parsed = parseJsonText(next);
    const refusal = parsed.ok ? check?.(parsed.value) : parsed.message;
    setError(refusal ?? null);
    onError?.(refusal ?? null);
    if (!parsed.ok || refusal) return;
    committed.current = print(parsed.value);
    onChange(parsed.value);
  };

  return (
    <div className="json-editor">
      {!codeMirror ? (
        <textarea className={`input mono${error ? ' input-error' : ''}`} rows={rows} spellCheck={false} value={text} onChange={(event) => update(event.target.value)} data-testid={testId} />
      ) : expanded ? null : (
        <CodeMirrorView value={text} onChange={update} language="json" inputs={[]} label="JSON" wrap={false} onProblems={setSyntax} testId={testId} className={`code-mirror-json${error ? ' code-mirror-error' : ''}`} />
      )}
      {error ? (
        <div className="error-text small" data-testid={`${testId}-error`}>
          {codeMirror && syntax.length > 0 ? syntax.map((problem) => problem.message).join('; ') : error}
        </div>
      ) : null}
      <button type="button" className="link-btn" onClick={() => setExpanded(true)} data-testid={`${testId}-expand`}>
        Expand
      </button>
      {expanded ? <LargeCodeView value={text} onChange={update} onClose={() => setExpanded(false)} testId={testId} label="JSON" language="json" wrap={false} /> : null}
    </div>
  );
}
