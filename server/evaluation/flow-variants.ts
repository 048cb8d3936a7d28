/**
 * Variants of a flow for one evaluation, never written back: `--set node.key=value` changes one
 * key of a node's config; `--compare node.key=a,b` names one variant per value.
 */
import type { Flow } from '../../shared/flow.ts';
import { parseJsonText } from '../../shared/json-text.ts';
import { FORBIDDEN_KEYS } from '../../shared/json-bounds.ts';
import { validateFlowDocument } from '../../shared/validate.ts';

export interface Setting {
  nodeId: string;
  key: string;
  value: unknown;
  /** As written, for labels: `classify.model=gpt-4o`. */
  text: string;
}

const SETTING = /^([^.=]+)\.([^.=]+)=(.*)$/s;

/** A value as typed: JSON when it parses (0.5, true, {"a":1}), else the text itself (gpt-4o). */
function settingValue(text: string): unknown {
  const parsed = parseJsonText(text);
  return parsed.ok ? parsed.value : text;
}

/** Parses `node.key=value`; returns why not as a string. */
export function parseSetting(text: string, option = '--set'): Setting | string {
  const match = SETTING.exec(text);
  if (!match) return `${option} ${text}: write node.key=value, e.g. ${option} classify.model=gpt-4o`;
  return { nodeId: match[1]!, key: match[2]!, value: settingValue(match[3]!), text };
}

/** Parses `node.key=a,b,…` into one setting per value (at least two). */
export function parseComparison(text: string): Setting[] | string {
  const match = SETTING.exec(text);
  const values = match ? match[3]!.split(',').map((value) => value.trim()).filter((value) => value !== '') : [];
  if (!match || values.length < 2) return `--compare ${text}: write node.key=a,b (two or more values), e.g. --compare classify.model=gpt-4o-mini,gpt-4o`;
  return values.map((value) => ({ nodeId: match[1]!, key: match[2]!, value: settingValue(value), text: `${match[1]}.${match[2]}=${value}` }));
}

/** Settings from a JSON object of `{"node.key": value}` (a what-if's or an evaluation variant's `set`); returns why not as a string. */
export function settingsFromRecord(set: Readonly<Record<string, unknown>>, field = 'set'): Setting[] | string {
  const settings: Setting[] = [];
  for (const [path, value] of Object.entries(set)) {
    const parsed = parseSetting(`${path}=x`, field);
    if (typeof parsed === 'string') return `${field}.${path}: write "node.key", e.g. {"${field}": {"classify.model": "gpt-4o"}}`;
    settings.push({ ...parsed, value, text: `${path}=${typeof value === 'string' ? value : JSON.stringify(value)}` });
  }
  return settings;
}

/** The flow with the settings applied, or the problems they cause (an unknown node, a config its kind refuses). */
export function applySettings(flow: Flow, settings: readonly Setting[]): { ok: true; flow: Flow } | { ok: false; message: string } {
  const nodes = flow.nodes.map((node) => ({ ...node, config: { ...node.config } }));
  for (const setting of settings) {
    const node = nodes.find((candidate) => candidate.id === setting.nodeId);
    if (!node) return { ok: false, message: `${setting.text}: the flow has no node "${setting.nodeId}" (it has ${nodes.map((candidate) => candidate.id).join(', ')})` };
    if (FORBIDDEN_KEYS.has(setting.key)) return { ok: false, message: `${setting.text}: "${setting.key}" cannot be a config key` };
    node.config[setting.key] = setting.value;
  }
  const result = validateFlowDocument({ ...flow, nodes });
  if (!result.ok) {
    return { ok: false, message: `${settings.map((setting) => setting.text).join(' ')} makes the flow invalid: ${result.problems.map((problem) => `${problem.nodeId ? `node ${problem.nodeId}: ` : ''}${problem.message}`).join('; ')}` };
  }
  return { ok: true, flow: result.flow };
}
