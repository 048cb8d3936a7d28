/**
 * A prompt template editor: CodeMirror inline (`code-editor.tsx`), where `{{` completes the node's
 * input port names; chips for those ports insert `{{name}}` at the cursor, and placeholders that
 * name no input port are flagged (with a one-click fix).
 */
import { useRef, useState } from 'react';
import type { Field } from '../../../shared/ports.ts';
import { templateNames } from '../../../shared/template.ts';
import { CodeMirrorView, LargeCodeView } from './code-editor.tsx';
import type { CodeMirrorHandle } from './code-mirror-editor.ts';

interface Props {
  value: string | undefined;
  optional: boolean;
  /** The node's input ports: the names a placeholder may use. */
  inputs: readonly Field[];
  onChange: (value: string | undefined) => void;
  /** Adds an input port by that name; absent when the node's kind cannot (its inputs come from elsewhere). */
  onAddPort?: (name: string) => void;
  testId: string;
  label?: string;
}

const ignoreProblems = () => undefined;

export function PromptEditor({ value, optional, inputs, onChange, onAddPort, testId, label = 'Prompt' }: Props) {
  const editor = useRef<CodeMirrorHandle | null>(null);
  const [expanded, setExpanded] = useState(false);
  const text = value ?? '';
  const portNames = inputs.map((input) => input.name);
  const unknown = [...new Set(templateNames(text).filter((name) => !portNames.includes(name)))];
  const change = (next: string) => onChange(next === '' && optional ? undefined : next);

  const insert = (name: string) => {
    const placeholder = `{{${name}}}`;
    if (editor.current) editor.current.insert(placeholder);
    else change(text + placeholder);
  };

  return (
    <div className={`prompt-editor${unknown.length ? ' prompt-warn' : ''}`}>
      {expanded ? null : (
        <CodeMirrorView value={text} onChange={change} language="text" inputs={inputs} label={label} wrap templates onProblems={ignoreProblems} testId={testId} className="code-mirror-prompt" handleRef={editor} />
      )}
      {expanded ? <LargeCodeView value={text} onChange={change} onClose={() => setExpanded(false)} testId={testId} label={label} language="text" inputs={inputs} templates wrap /> : null}
      <div className="chips" aria-label="Insert an input">
        <button type="button" className="link-btn" onClick={() => setExpanded(true)} data-testid={`${testId}-expand`}>
          Expand
        </button>
        {portNames.map((name) => (
          <button key={name} type="button" className="chip" onClick={() => insert(name)} title={`Insert {{${name}}}`} data-testid={`${testId}-chip-${name}`}>
            {`{{${name}}}`}
          </button>
        ))}
        {portNames.length === 0 ? <span className="muted small">Add input ports to use them here as {'{{name}}'}.</span> : null}
      </div>
      {unknown.map((name) => (
        <div key={name} className="warn-text small row gap-8 wrap" data-testid={`${testId}-unknown-${name}`}>
          <span>{`{{${name}}}`} is not an input port of this node.</span>
          {onAddPort ? (
            <button type="button" className="link-btn" onClick={() => onAddPort(name)}>
              Add input "{name}"
            </button>
          ) : null}
        </div>
      ))}
    </div>
  );
}
