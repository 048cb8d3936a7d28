/** A light code editor: monospace, line numbers, Tab indents by two spaces. */
import { useRef, type KeyboardEvent } from 'react';

interface Props {
  value: string;
  onChange: (value: string) => void;
  testId: string;
}

export function CodeEditor({ value, onChange, testId }: Props) {
  const gutter = useRef<HTMLDivElement>(null);
  const lines = value.split('\n').length;

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key !== 'Tab' || event.ctrlKey || event.metaKey || event.altKey) return;
    event.preventDefault();
    const element = event.currentTarget;
    const { selectionStart: start, selectionEnd: end } = element;
    if (event.shiftKey) {
      const lineStart = value.lastIndexOf('\n', start - 1) + 1;
      const remove = value.startsWith('  ', lineStart) ? 2 : value.startsWith(' ', lineStart) ? 1 : 0;
      if (remove === 0) return;
      onChange(value.slice(0, lineStart) + value.slice(lineStart + remove));
      requestAnimationFrame(() => element.setSelectionRange(Math.max(lineStart, start - remove), Math.max(lineStart, end - remove)));
      return;
    }
    onChange(`${value.slice(0, start)}  ${value.slice(end)}`);
    requestAnimationFrame(() => element.setSelectionRange(start + 2, start + 2));
  };

  return (
    <div className="code-editor">
      <div className="code-gutter mono" ref={gutter} aria-hidden>
        {Array.from({ length: lines }, (_, index) => (
          <div key={index}>{index + 1}</div>
        ))}
      </div>
      <textarea
        className="code-text mono"
        spellCheck={false}
        wrap="off"
        value={value}
        rows={Math.min(Math.max(lines + 1, 8), 24)}
        onChange={(event) => onChange(event.target.value)}
        onKeyDown={onKeyDown}
        onScroll={(event) => {
          if (gutter.current) gutter.current.scrollTop = event.currentTarget.scrollTop;
        }}
        data-testid={testId}
      />
    </div>
  );
}
