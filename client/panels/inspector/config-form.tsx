/**
 * The form of a node's config, generated from its kind's zod schema (schema-form.ts). A kind picks
 * other editors for its fields through `editors` in its definition: the prompt editor for a
 * template, the code editor for source, the model picker for a model name, rows of cases for a switch.
 */
import type { KindDefinition } from '../../../shared/kinds/define-kind.ts';
import type { Field } from '../../../shared/ports.ts';
import { OPENAI_PRICES } from '../../../shared/pricing.ts';
import { nodePorts } from '../../canvas/node-ports.ts';
import { calledFlowsContext } from '../../state/called-flows.ts';
import { CasesEditor } from './cases-editor.tsx';
import { CodeEditor } from './code-editor.tsx';
import { CheckboxControl, NumberControl, SelectControl, TextControl } from './field-controls.tsx';
import { ChildInputPicker, FlowPicker } from './flow-pickers.tsx';
import { JsonEditor } from './json-editor.tsx';
import { PortsEditor } from './ports-editor.tsx';
import { PromptEditor } from './prompt-editor.tsx';
import { describeSchema, setKey, variantValue, type FormField } from './schema-form.ts';

interface FieldProps {
  field: FormField;
  value: unknown;
  onChange: (value: unknown) => void;
  testId: string;
  special?: (field: FormField, value: unknown, onChange: (value: unknown) => void, testId: string) => React.ReactNode | undefined;
}

function Control({ field, value, onChange, testId, special }: FieldProps): React.ReactNode {
  const custom = special?.(field, value, onChange, testId);
  if (custom !== undefined) return custom;
  switch (field.control) {
    case 'text':
      return <TextControl field={field} value={value as string | undefined} onChange={onChange} testId={testId} />;
    case 'number':
      return <NumberControl field={field} value={value as number | undefined} onChange={onChange} testId={testId} />;
    case 'checkbox':
      return <CheckboxControl field={field} value={value as boolean | undefined} onChange={onChange} testId={testId} />;
    case 'select':
      return <SelectControl field={field} value={value as string | undefined} onChange={onChange} testId={testId} />;
    case 'ports':
      return <PortsEditor value={value} types={field.types} onChange={onChange} testId={testId} />;
    case 'json':
      return <JsonEditor value={value} onChange={onChange} testId={testId} codeMirror />;
    case 'object': {
      const object = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
      return <FieldList fields={field.fields} value={object} onChange={onChange} testId={testId} />;
    }
    case 'variant': {
      const object = (value && typeof value === 'object' ? value : undefined) as Record<string, unknown> | undefined;
      const current = object?.[field.discriminator] as string | undefined;
      const variant = field.variants.find((candidate) => candidate.value === current);
      return (
        <div className="variant">
          <select className="input" value={current ?? ''} onChange={(event) => onChange(event.target.value === '' ? undefined : variantValue(field, event.target.value))} data-testid={testId}>
            {field.optional ? <option value="">default ({field.variants[0]?.value})</option> : null}
            {field.variants.map((option) => (
              <option key={option.value} value={option.value}>
                {option.value}
              </option>
            ))}
          </select>
          {variant && object && variant.fields.length > 0 ? <FieldList fields={variant.fields} value={object} onChange={onChange} testId={testId} /> : null}
        </div>
      );
    }
  }
}

function FieldList({ fields, value, onChange, testId, special }: { fields: FormField[]; value: Record<string, unknown>; onChange: (value: Record<string, unknown>) => void; testId: string; special?: FieldProps['special'] }) {
  return (
    <div className="form-fields">
      {fields.map((field) => (
        <div key={field.key} className={`form-row form-${field.control}`}>
          {field.control === 'checkbox' ? null : (
            <label className="form-label">
              {field.label}
              {field.optional ? <span className="muted"> · optional</span> : null}
            </label>
          )}
          <Control field={field} value={value[field.key]} onChange={(next) => onChange(setKey(value, field.key, next))} testId={`${testId}-${field.key}`} special={special} />
          {field.description ? <div className="form-help">{field.description}</div> : null}
        </div>
      ))}
    </div>
  );
}

interface ConfigFormProps {
  definition: KindDefinition;
  config: Record<string, unknown>;
  onChange: (config: Record<string, unknown>, key: string) => void;
}

export function ConfigForm({ definition, config, onChange }: ConfigFormProps) {
  const fields = describeSchema(definition.configSchema);
  let templateKeys: string[] = [];
  try {
    templateKeys = definition.templates?.(config as never).map((template) => template.key) ?? [];
  } catch {
    templateKeys = [];
  }
  const editors = definition.editors ?? {};
  const editorOf = (key: string) => (Object.hasOwn(editors, key) ? editors[key] : undefined);
  // The node's input ports are what its prompts and code may name; its kind says the rest (`editorSupport`).
  const inputs: Field[] = nodePorts({ kind: definition.kind, config }, calledFlowsContext()).inputs.map((port) => ({ name: port.name, type: port.type }));
  const support = definition.editorSupport;
  const codeLanguage = (): 'javascript' | 'typescript' => {
    try {
      return support?.codeLanguage?.(config as never) ?? 'typescript';
    } catch {
      return 'typescript'; // a config its kind's schema refuses: the default language
    }
  };
  const addInput = support?.addInput;
  /** The flow this node calls, as its kind says (`calls`), for editors of that flow's fields. */
  const calledFlow = (): string | undefined => {
    try {
      return definition.calls?.(config as never)[0];
    } catch {
      return undefined;
    }
  };

  const special: FieldProps['special'] = (field, value, change, testId) => {
    const editor = editorOf(field.key);
    if (editor === 'cases') return <CasesEditor value={value} onChange={change} testId={testId} />;
    if (field.control !== 'text') return undefined;
    if (editor === 'prompt' || templateKeys.includes(field.key)) {
      return (
        <PromptEditor
          value={value as string | undefined}
          optional={field.optional}
          inputs={inputs}
          onChange={change}
          onAddPort={addInput ? (name) => onChange(addInput(config as never, name) as Record<string, unknown>, 'add-input') : undefined}
          testId={testId}
          label={field.label}
        />
      );
    }
    if (editor === 'flow') return <FlowPicker value={value as string | undefined} onChange={change} testId={testId} />;
    if (editor === 'child-input') return <ChildInputPicker value={value as string | undefined} onChange={change} testId={testId} flowId={calledFlow()} />;
    if (editor === 'model') {
      return <TextControl field={field} value={value as string | undefined} onChange={change} testId={testId} suggestions={Object.keys(OPENAI_PRICES)} />;
    }
    if (editor === 'code') {
      return <CodeEditor value={(value as string | undefined) ?? ''} onChange={change} testId={testId} language={codeLanguage()} inputs={inputs} label="Code of this step" />;
    }
    return undefined;
  };

  return (
    <FieldList
      fields={fields}
      value={config}
      testId="config"
      special={special}
      onChange={(next) => {
        const changed = Object.keys({ ...config, ...next }).find((key) => next[key] !== config[key]) ?? 'config';
        onChange(next, changed);
      }}
    />
  );
}
