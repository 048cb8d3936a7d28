/**
 * A switch's cases as rows: the port a case fires, and its condition as path, operator and value
 * (or as JSON when it combines others with all/any/not), with the condition in words under it.
 * Rows move up and down because the first case that holds wins.
 */
import { useState } from 'react';
import { CONDITION_OPS, conditionSchema, conditionText, type Condition, type ConditionOp } from '../../../shared/conditions.ts';
import { parseJsonText } from '../../../shared/json-text.ts';
import { PORT_NAME_PATTERN } from '../../../shared/ports.ts';
import { JsonEditor } from './json-editor.tsx';

interface Case {
  port: string;
  when: Condition;
}

interface Props {
  value: unknown;
  onChange: (cases: Case[]) => void;
  testId: string;
}

/** A value as typed: JSON when it parses (`3`, `true`, `["a"]`), else the text itself. */
function typedValue(text: string): unknown {
  const parsed = parseJsonText(text);
  return parsed.ok ? parsed.value : text;
}

function valueText(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string' && !parseJsonText(value).ok) return value;
  return JSON.stringify(value);
}

function isLeaf(condition: Condition): boolean {
  return condition.all === undefined && condition.any === undefined && condition.not === undefined;
}

function freePort(cases: Case[]): string {
  const taken = new Set(cases.map((entry) => entry.port));
  for (let n = 1; ; n++) if (!taken.has(`case${n}`)) return `case${n}`;
}

function LeafEditor({ condition, onChange, testId }: { condition: Condition; onChange: (condition: Condition) => void; testId: string }) {
  const op = condition.op ?? 'eq';
  const setOp = (next: ConditionOp) => {
    const { value, ...rest } = condition;
    if (next === 'exists') return onChange({ ...rest, op: next });
    if (next === 'in') return onChange({ ...rest, op: next, value: Array.isArray(value) ? value : value === undefined ? [] : [value] });
    return onChange({ ...rest, op: next, value: Array.isArray(value) && op === 'in' ? value[0] ?? '' : value ?? '' });
  };
  return (
    <div className="case-edit-row">
      <input className="input mono" placeholder="path, e.g. priority" aria-label="Path" value={condition.path ?? ''} onChange={(event) => onChange({ ...condition, path: event.target.value })} data-testid={`${testId}-path`} />
      <select className="input" aria-label="Operator" value={op} onChange={(event) => setOp(event.target.value as ConditionOp)} data-testid={`${testId}-op`}>
        {CONDITION_OPS.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
      {op === 'exists' ? null : (
        <input className="input mono" placeholder={op === 'in' ? '["a", "b"]' : 'value'} aria-label="Value" value={valueText(condition.value)} onChange={(event) => onChange({ ...condition, value: typedValue(event.target.value) })} data-testid={`${testId}-value`} />
      )}
    </div>
  );
}

export function CasesEditor({ value, onChange, testId }: Props) {
  const cases = Array.isArray(value) ? (value as Case[]) : [];
  const [asJson, setAsJson] = useState<ReadonlySet<number>>(new Set());
  const update = (index: number, next: Case) => onChange(cases.map((entry, at) => (at === index ? next : entry)));
  const move = (index: number, by: number) => {
    const next = [...cases];
    const [entry] = next.splice(index, 1);
    next.splice(index + by, 0, entry!);
    onChange(next);
  };
  const ports = cases.map((entry) => entry.port);

  return (
    <div className="cases-editor" data-testid={testId}>
      {cases.map((entry, index) => {
        const rowId = `${testId}-${index}`;
        const checked = conditionSchema.safeParse(entry.when);
        const badPort = !PORT_NAME_PATTERN.test(entry.port) ? 'A port name starts with a letter or _ and holds only letters, digits and _.' : ports.indexOf(entry.port) !== index ? `Two cases fire "${entry.port}".` : undefined;
        const json = asJson.has(index) || !isLeaf(entry.when);
        return (
          <div key={index} className="case-edit" data-testid={rowId}>
            <div className="case-edit-row">
              <span className="muted small">{index + 1}.</span>
              <input className={`input mono${badPort ? ' input-error' : ''}`} aria-label="Port" value={entry.port} onChange={(event) => update(index, { ...entry, port: event.target.value })} data-testid={`${rowId}-port`} />
              <button type="button" className="icon-btn" aria-label="Move up" disabled={index === 0} onClick={() => move(index, -1)}>
                ↑
              </button>
              <button type="button" className="icon-btn" aria-label="Move down" disabled={index === cases.length - 1} onClick={() => move(index, 1)}>
                ↓
              </button>
              <button type="button" className="icon-btn" aria-label={`Remove ${entry.port}`} onClick={() => onChange(cases.filter((_, at) => at !== index))} data-testid={`${rowId}-remove`}>
                ×
              </button>
            </div>
            {badPort ? <div className="error-text small">{badPort}</div> : null}
            {json ? (
              <JsonEditor value={entry.when} rows={4} testId={`${rowId}-json`} onChange={(when) => update(index, { ...entry, when: when as Condition })} />
            ) : (
              <LeafEditor condition={entry.when} onChange={(when) => update(index, { ...entry, when })} testId={rowId} />
            )}
            {checked.success ? (
              <div className="case-words" data-testid={`${rowId}-words`}>
                when {conditionText(checked.data)}
              </div>
            ) : (
              <div className="error-text small" data-testid={`${rowId}-error`}>
                {checked.error.issues[0]?.message}
              </div>
            )}
            {isLeaf(entry.when) ? (
              <button
                type="button"
                className="link-btn"
                onClick={() => setAsJson((current) => {
                  const next = new Set(current);
                  if (next.has(index)) next.delete(index);
                  else next.add(index);
                  return next;
                })}
              >
                {json ? 'Edit as fields' : 'Edit as JSON (all / any / not)'}
              </button>
            ) : null}
          </div>
        );
      })}
      <button type="button" className="btn btn-small" onClick={() => onChange([...cases, { port: freePort(cases), when: { path: '', op: 'eq', value: '' } }])} data-testid={`${testId}-add`}>
        + Add case
      </button>
    </div>
  );
}
