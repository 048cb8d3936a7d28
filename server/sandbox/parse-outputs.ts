/**
 * Parses the outputs JSON a guest produced and bounds it (json-bounds.ts): depth, size, keys,
 * and the keys `__proto__`, `constructor` and `prototype`, which JSON.parse keeps as own
 * properties and which turn into prototype changes as soon as a consumer copies them with
 * Object.assign or a spread-and-merge helper. Such outputs are refused, naming the path and the
 * limit, rather than silently altered.
 */
import { checkJsonBounds } from '../../shared/json-bounds.ts';

export function parseOutputs(json: string): { ok: true; outputs: Record<string, unknown> } | { ok: false; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { ok: false, message: 'code step returned outputs that are not valid JSON' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, message: 'code must return an object of outputs' };
  }
  const bounds = checkJsonBounds(value, {}, 'outputs');
  if (bounds?.rule === 'forbidden-key') return { ok: false, message: `code step outputs must not contain the key "${bounds.keys.at(-1)}" (at ${bounds.path})` };
  if (bounds) return { ok: false, message: `code step outputs: ${bounds.message}` };
  return { ok: true, outputs: value as Record<string, unknown> };
}
