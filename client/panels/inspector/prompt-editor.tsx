/**
 * A prompt template editor: chips for the node's input ports insert `{{name}}` at the cursor, and
 * placeholders that name no input port are flagged (with a one-click fix).
 */
import { useRef, useState } from 'react';
import { LargeCodeView } from './code-editor.tsx';
import { templateNames } from '../../../shared/template.ts';

interface Props {
  value: string | undefined;
  optional: boolean;
  portNames: string[];
  onChange: (value: string | undefined) => void;
  onAddPort: (name: string) => void;
  testId: string;
}

export function PromptEditor({ value, optional, portNames, onChange, onAddPort, testId }: Props) {
  const area = useRef<HTMLTextAreaElement>(null);
  const [expanded, setExpanded] = useState(false);
  const text = value ?? '';
  const unknown = [...new Set(templateNames(text).filter((name) => !portNames.includes(name)))];

  const insert = (name: string) => {
    const element = area.current;
    const placeholder = `{{${name}}}`;
    const start = element?.selectionStart ?? text.length;
    const end = element?.selectionEnd ?? text.length;
    onChange(text.slice(0, start) + placeholder + text.slice(end));
    requestAnimationFrame(() => {
      element?.focus();
      element?.setSelectionRange(start + placeholder.length, start + placeholder.length);
    });
  };

  return (
    <div className="prompt-editor">
      <textarea
        ref={area}
        className={`input prompt-text${unknown.length ? ' input-warn' : ''}`}
        rows={5}
        value={text}
        placeholder={optional ? 'optional' : ''}
        onChange={(event) => onChange(event.target.value === '' && optional ? undefined : event.target.value)}
        data-testid={testId}
      />
      {expanded ? (
        <LargeCodeView value={text} onChange={(next) => onChange(next === '' && optional ? undefined : next)} onClose={() => setExpanded(false)} testId={testId} label="Prompt" language="text" wrap />
      ) : null}
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
          <button type="button" className="link-btn" onClick={() => onAddPort(name)}>
            Add input "{name}"
          </button>
        </div>
      ))}
    </div>
  );
}
