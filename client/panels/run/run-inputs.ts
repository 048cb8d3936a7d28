/** The Run form's values: text per field, turned into typed run inputs and checked by the shared rules. */
import type { Flow } from '../../../shared/flow.ts';
import { parseJsonText } from '../../../shared/json-text.ts';
import type { PortSpec } from '../../../shared/ports.ts';
import { checkRunInputs, runInputFields } from '../../../shared/run-inputs.ts';

export type Drafts = Record<string, string>;

export function defaultDraft(field: Pick<PortSpec, 'type'>): string {
  switch (field.type) {
    case 'number':
      return '0';
    case 'boolean':
      return 'false';
    case 'json':
    case 'any':
      return '{}';
    default:
      return '';
  }
}

/** Typed inputs from the drafts, or the problems that stop a run. */
export function readInputs(flow: Flow, drafts: Drafts): { inputs: Record<string, unknown>; problems: Record<string, string> } {
  const inputs: Record<string, unknown> = {};
  const problems: Record<string, string> = {};
  for (const field of runInputFields(flow)) {
    const text = drafts[field.name] ?? defaultDraft(field);
    if (field.type === 'string') inputs[field.name] = text;
    else if (field.type === 'number') {
      if (text.trim() === '' || !Number.isFinite(Number(text))) problems[field.name] = 'enter a number';
      else inputs[field.name] = Number(text);
    } else if (field.type === 'boolean') inputs[field.name] = text === 'true';
    else {
      const parsed = parseJsonText(text);
      if (parsed.ok) inputs[field.name] = parsed.value;
      else problems[field.name] = parsed.message;
    }
  }
  for (const problem of checkRunInputs(flow, inputs)) problems[problem.field] ??= problem.message;
  return { inputs, problems };
}

const STORAGE_KEY = 'weft.run-inputs.';

export function rememberedDrafts(flowId: string): Drafts {
  try {
    const text = localStorage.getItem(STORAGE_KEY + flowId);
    const value: unknown = text ? JSON.parse(text) : {};
    return value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).filter(([, draft]) => typeof draft === 'string')) : {};
  } catch {
    return {};
  }
}

export function rememberDrafts(flowId: string, drafts: Drafts): void {
  try {
    localStorage.setItem(STORAGE_KEY + flowId, JSON.stringify(drafts));
  } catch {
    // Storage full or disabled: the form simply starts empty next time.
  }
}
