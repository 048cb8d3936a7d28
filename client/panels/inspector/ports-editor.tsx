/** Edits a list of typed fields (`fields`, `inputs`, `outputs`): each becomes a port on the node. */
import { useState } from 'react';
import { PORT_COLOURS, PORT_NAME_PATTERN, type Field, type PortType } from '../../../shared/ports.ts';
import { JsonEditor } from './json-editor.tsx';

interface Props {
  value: unknown;
  types: string[];
  onChange: (fields: Field[]) => void;
  testId: string;
}

function freeName(fields: Field[]): string {
  const names = new Set(fields.map((field) => field.name));
  for (let n = 1; ; n++) {
    const name = n === 1 ? 'value' : `value${n}`;
    if (!names.has(name)) return name;
  }
}

export function PortsEditor({ value, types, onChange, testId }: Props) {
  const fields = Array.isArray(value) ? (value as Field[]) : [];
  const [openSchema, setOpenSchema] = useState<number | null>(null);
  const update = (index: number, patch: Partial<Field>) => {
    onChange(
      fields.map((field, at) => {
        if (at !== index) return field;
        const next = { ...field, ...patch };
        if (next.type !== 'json' || next.schema === undefined) delete next.schema;
        return next;
      }),
    );
  };
  const names = fields.map((field) => field.name);

  return (
    <div className="ports-editor" data-testid={testId}>
      {fields.map((field, index) => {
        const badName = !PORT_NAME_PATTERN.test(field.name);
        const duplicate = names.indexOf(field.name) !== index;
        return (
          <div key={index} className="port-edit">
            <div className="port-edit-row">
              <span className="type-dot" style={{ background: PORT_COLOURS[field.type as PortType] ?? '#999' }} />
              <input
                className={`input mono${badName || duplicate ? ' input-error' : ''}`}
                value={field.name}
                aria-label="Port name"
                onChange={(event) => update(index, { name: event.target.value })}
                data-testid={`${testId}-name-${index}`}
              />
              <select className="input port-type-select" value={field.type} aria-label="Port type" onChange={(event) => update(index, { type: event.target.value as PortType })} data-testid={`${testId}-type-${index}`}>
                {types.map((type) => (
                  <option key={type} value={type}>
                    {type}
                  </option>
                ))}
              </select>
              {field.type === 'json' ? (
                <button type="button" className={`btn btn-small${field.schema ? ' btn-on' : ''}`} onClick={() => setOpenSchema(openSchema === index ? null : index)} title="JSON Schema of this port">
                  Schema
                </button>
              ) : null}
              <button type="button" className="icon-btn" aria-label={`Remove ${field.name}`} onClick={() => onChange(fields.filter((_, at) => at !== index))}>
                ×
              </button>
            </div>
            {badName ? <div className="error-text small">A port name starts with a letter or _ and holds only letters, digits and _.</div> : null}
            {duplicate ? <div className="error-text small">Two ports are named "{field.name}".</div> : null}
            {openSchema === index && field.type === 'json' ? (
              <div className="port-schema">
                <JsonEditor
                  value={field.schema ?? {}}
                  rows={5}
                  codeMirror
                  testId={`${testId}-schema-${index}`}
                  check={(schema) => (schema && typeof schema === 'object' && !Array.isArray(schema) ? undefined : 'a JSON Schema is an object')}
                  onChange={(schema) => update(index, Object.keys(schema as object).length === 0 ? { schema: undefined } : { schema: schema as Field['schema'] })}
                />
              </div>
            ) : null}
          </div>
        );
      })}
      <button type="button" className="btn btn-small" onClick={() => onChange([...fields, { name: freeName(fields), type: 'string' }])} data-testid={`${testId}-add`}>
        + Add port
      </button>
    </div>
  );
}
