/**
 * Conditions as data, not code: a switch node routes a value by them. A leaf compares what is at a
 * dotted `path` of the value with `op` and `value`; `all`, `any` and `not` combine leaves. The same
 * definition checks a flow (zod, with the path of what is wrong), decides at run time (`holds`) and
 * says the condition in words beside its port on the canvas (`conditionText`).
 */
import { z } from 'zod';
import { compileLinear, linearPatternError } from './linear-regexp.ts';

export const CONDITION_OPS = ['eq', 'ne', 'in', 'gt', 'gte', 'lt', 'lte', 'contains', 'matches', 'exists'] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

/** A condition combines at most this many others: a longer list is a table, not a condition. */
export const MAX_CONDITION_ITEMS = 50;
/** Path segments at most; the value a switch sees is bounded in depth anyway. */
export const MAX_PATH_SEGMENTS = 32;

export interface Condition {
  path?: string;
  op?: ConditionOp;
  value?: unknown;
  all?: Condition[];
  any?: Condition[];
  not?: Condition;
}

const FORMS = ['op', 'all', 'any', 'not'] as const;

/** One object type with one of four forms, so a mistake is reported at its own key, not as "no union member matched". */
export const conditionSchema: z.ZodType<Condition> = z
  .object({
    path: z.string().max(500).optional().describe('Dotted path into the value, e.g. "ticket.priority" or "items.0"; empty for the value itself'),
    op: z.enum(CONDITION_OPS).optional(),
    value: z.unknown().optional(),
    get all() {
      return z.array(conditionSchema).min(1).max(MAX_CONDITION_ITEMS).optional();
    },
    get any() {
      return z.array(conditionSchema).min(1).max(MAX_CONDITION_ITEMS).optional();
    },
    get not() {
      return conditionSchema.optional();
    },
  })
  .strict()
  .superRefine((condition, context) => {
    const forms = FORMS.filter((form) => condition[form] !== undefined);
    if (forms.length !== 1) {
      context.addIssue({ code: 'custom', message: forms.length === 0 ? 'a condition has "op" (with "path" and "value"), "all", "any" or "not"' : `a condition has one of "op", "all", "any", "not", not ${forms.map((form) => `"${form}"`).join(' and ')}` });
      return;
    }
    const form = forms[0]!;
    if (form !== 'op') {
      for (const key of ['path', 'value'] as const) {
        if (condition[key] !== undefined) context.addIssue({ code: 'custom', path: [key], message: `"${key}" belongs to a condition with "op", not one with "${form}"` });
      }
      return;
    }
    const problem = leafProblem(condition.op!, condition.value, condition.path);
    if (problem) context.addIssue({ code: 'custom', path: [problem.key], message: problem.message });
  }) as unknown as z.ZodType<Condition>;

function leafProblem(op: ConditionOp, value: unknown, path: string | undefined): { key: 'value' | 'path'; message: string } | undefined {
  if (path !== undefined && path !== '') {
    const segments = path.split('.');
    if (segments.length > MAX_PATH_SEGMENTS) return { key: 'path', message: `a path has at most ${MAX_PATH_SEGMENTS} segments` };
    if (segments.some((segment) => segment === '')) return { key: 'path', message: `"${path}" has an empty segment (write "a.b", not "a..b" or "a.")` };
  }
  switch (op) {
    case 'exists':
      return value === undefined ? undefined : { key: 'value', message: '"exists" takes no value (wrap it in "not" for absence)' };
    case 'in':
      return Array.isArray(value) ? undefined : { key: 'value', message: '"in" takes a list of values, e.g. ["high", "urgent"]' };
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return typeof value === 'number' || typeof value === 'string' ? undefined : { key: 'value', message: `"${op}" compares with a number or a string` };
    case 'matches': {
      if (typeof value !== 'string') return { key: 'value', message: '"matches" takes a pattern as a string' };
      const error = linearPatternError(value);
      return error ? { key: 'value', message: error } : undefined;
    }
    case 'eq':
    case 'ne':
    case 'contains':
      return value === undefined ? { key: 'value', message: `"${op}" needs a value to compare with` } : undefined;
  }
}

const MISSING = Symbol('missing');

/** What is at `path` of `value` (own properties and array indexes only), or MISSING. */
export function valueAt(value: unknown, path: string | undefined): unknown {
  if (path === undefined || path === '') return value;
  let current: unknown = value;
  for (const segment of path.split('.')) {
    if (Array.isArray(current)) {
      if (!/^(0|[1-9]\d*)$/.test(segment)) return MISSING;
      const index = Number(segment);
      if (index >= current.length) return MISSING;
      current = current[index];
    } else if (current !== null && typeof current === 'object' && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else {
      return MISSING;
    }
  }
  return current;
}

/** JSON equality: same type, same items in order, same keys in any order. */
export function jsonEqual(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (left === null || right === null || typeof left !== 'object' || typeof right !== 'object') return false;
  if (Array.isArray(left) !== Array.isArray(right)) return false;
  if (Array.isArray(left)) {
    const other = right as unknown[];
    return left.length === other.length && left.every((item, index) => jsonEqual(item, other[index]));
  }
  const leftKeys = Object.keys(left);
  const rightRecord = right as Record<string, unknown>;
  if (leftKeys.length !== Object.keys(rightRecord).length) return false;
  return leftKeys.every((key) => Object.hasOwn(rightRecord, key) && jsonEqual((left as Record<string, unknown>)[key], rightRecord[key]));
}

function compare(actual: unknown, expected: unknown): number | undefined {
  if (typeof actual === 'number' && typeof expected === 'number') return actual - expected;
  if (typeof actual === 'string' && typeof expected === 'string') return actual < expected ? -1 : actual > expected ? 1 : 0;
  return undefined;
}

function leafHolds(condition: Condition, subject: unknown): boolean {
  const actual = valueAt(subject, condition.path);
  const expected = condition.value;
  switch (condition.op!) {
    case 'exists':
      return actual !== MISSING && actual !== null;
    case 'eq':
      return actual !== MISSING && jsonEqual(actual, expected);
    case 'ne':
      return actual === MISSING || !jsonEqual(actual, expected);
    case 'in':
      return actual !== MISSING && (expected as unknown[]).some((item) => jsonEqual(actual, item));
    case 'contains':
      if (typeof actual === 'string') return typeof expected === 'string' && actual.includes(expected);
      return Array.isArray(actual) && actual.some((item) => jsonEqual(item, expected));
    case 'matches':
      return typeof actual === 'string' && compileLinear(expected as string).matcher(actual).find();
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const order = compare(actual, expected);
      if (order === undefined || Number.isNaN(order)) return false;
      return condition.op === 'gt' ? order > 0 : condition.op === 'gte' ? order >= 0 : condition.op === 'lt' ? order < 0 : order <= 0;
    }
  }
}

/**
 * Whether a checked condition holds for `subject`. Iterative over `all`/`any`/`not` would buy
 * nothing: nesting is bounded by the flow document's depth limit (shared/validate.ts).
 */
export function holds(condition: Condition, subject: unknown): boolean {
  if (condition.all) return condition.all.every((inner) => holds(inner, subject));
  if (condition.any) return condition.any.some((inner) => holds(inner, subject));
  if (condition.not) return !holds(condition.not, subject);
  return leafHolds(condition, subject);
}

const OP_WORDS: Record<ConditionOp, string> = {
  eq: 'is',
  ne: 'is not',
  in: 'is one of',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  contains: 'contains',
  matches: 'matches',
  exists: 'exists',
};

function literal(value: unknown): string {
  if (Array.isArray(value)) return value.map(literal).join(', ');
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 24 ? `${text.slice(0, 23)}…` : text;
}

/** The condition in words: `priority is "high" and not (tags contains "spam")`. */
export function conditionText(condition: Condition): string {
  if (condition.all) return condition.all.map((inner) => grouped(inner)).join(' and ');
  if (condition.any) return condition.any.map((inner) => grouped(inner)).join(' or ');
  if (condition.not) return `not ${grouped(condition.not)}`;
  const subject = condition.path ? condition.path : 'value';
  const op = condition.op ?? 'exists';
  if (op === 'exists') return `${subject} exists`;
  if (op === 'matches') return `${subject} matches /${String(condition.value)}/`;
  return `${subject} ${OP_WORDS[op]} ${literal(condition.value)}`;
}

function grouped(condition: Condition): string {
  const text = conditionText(condition);
  return condition.all || condition.any ? `(${text})` : text;
}
