/** Plain controls for generated forms: text, number, checkbox, select. Empty optional values remove the key. */
import { useEffect, useState } from 'react';
import type { FormField } from './schema-form.ts';

type Of<C extends FormField['control']> = Extract<FormField, { control: C }>;

interface ControlProps<F, V> {
  field: F;
  value: V | undefined;
  onChange: (value: V | undefined) => void;
  testId: string;
}

export function TextControl({ field, value, onChange, testId, suggestions }: ControlProps<Of<'text'>, string> & { suggestions?: string[] }) {
  const listId = suggestions ? `${testId}-suggestions` : undefined;
  return (
    <>
    <input
      className="input"
      list={listId}
      value={value ?? ''}
      placeholder={field.optional ? 'optional' : ''}
      onChange={(event) => onChange(event.target.value === '' && field.optional ? undefined : event.target.value)}
      data-testid={testId}
    />
    {suggestions ? (
      <datalist id={listId}>
        {suggestions.map((suggestion) => (
          <option key={suggestion} value={suggestion} />
        ))}
      </datalist>
    ) : null}
    </>
  );
}

export function NumberControl({ field, value, onChange, testId, placeholder }: ControlProps<Of<'number'>, number> & { placeholder?: string }) {
  const [draft, setDraft] = useState(value === undefined ? '' : String(value));
  useEffect(() => {
    const current = draft === '' ? undefined : Number(draft);
    if (current !== value) setDraft(value === undefined ? '' : String(value));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [value]);
  return (
    <input
      className="input"
      type="number"
      inputMode={field.integer ? 'numeric' : 'decimal'}
      step={field.integer ? 1 : 'any'}
      min={field.min}
      max={field.max}
      value={draft}
      placeholder={placeholder ?? (field.optional ? 'default' : '')}
      onChange={(event) => {
        setDraft(event.target.value);
        if (event.target.value === '') onChange(undefined);
        else if (Number.isFinite(Number(event.target.value))) onChange(Number(event.target.value));
      }}
      data-testid={testId}
    />
  );
}

export function CheckboxControl({ field, value, onChange, testId }: ControlProps<Of<'checkbox'>, boolean>) {
  return (
    <label className="checkbox">
      <input type="checkbox" checked={value === true} onChange={(event) => onChange(event.target.checked ? true : field.optional ? undefined : false)} data-testid={testId} />
      <span>{field.label}</span>
    </label>
  );
}

export function SelectControl({ field, value, onChange, testId }: ControlProps<Of<'select'>, string>) {
  return (
    <select className="input" value={value ?? ''} onChange={(event) => onChange(event.target.value === '' ? undefined : event.target.value)} data-testid={testId}>
      {field.optional || value === undefined ? <option value="">{field.optional ? 'default' : 'choose…'}</option> : null}
      {field.options.map((option) => (
        <option key={option} value={option}>
          {option}
        </option>
      ))}
    </select>
  );
}
