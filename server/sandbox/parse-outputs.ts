/**
 * Parses the outputs JSON a guest produced and bounds it (json-bounds.ts): depth, size, keys,
 * and the keys `__proto__`, `constructor` and `prototype`, which JSON.parse keeps as own
 * properties and which turn into prototype changes as soon as a consumer copies them with
 * Object.assign or a spread-and-merge helper. Such outputs are refused, naming the path and the
 * limit, rather than silently altered.
 */
import { DEFAULT_JSON_LIMITS, FORBIDDEN_KEYS, checkJsonBounds } from '../../shared/json-bounds.ts';

/**
 * JSON text shorter than this cannot nest to the depth limit (each level takes an opening and a
 * closing bracket), let alone reach the entry or size limits.
 */
const SHORT_JSON_CHARS = DEFAULT_JSON_LIMITS.maxDepth * 2;

/**
 * Whether parsed outputs need the full bounds walk: always, unless the text is short and names no
 * forbidden key. No backslash either, since an escape (\u005f) can spell a forbidden key the text
 * does not contain. The walk costs about 1.3 us for the smallest outputs (bench/README.md, round four).
 */
function needsBoundsWalk(json: string): boolean {
  if (json.length >= SHORT_JSON_CHARS || json.includes('\\')) return true;
  for (const key of FORBIDDEN_KEYS) if (json.includes(key)) return true;
  return false;
}

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
  if (!needsBoundsWalk(json)) return { ok: true, outputs: value as Record<string, unknown> };
  const bounds = checkJsonBounds(value, {}, 'outputs');
  if (bounds?.rule === 'forbidden-key') return { ok: false, message: `code step outputs must not contain the key "${bounds.keys.at(-1)}" (at ${bounds.path})` };
  if (bounds) return { ok: false, message: `code step outputs: ${bounds.message}` };
  return { ok: true, outputs: value as Record<string, unknown> };
}
