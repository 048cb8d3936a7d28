/**
 * How an evaluation case's expected output is compared with what a run produced: a literal is
 * compared by deep equality; an object whose single key starts with `$` is a matcher
 * (`$contains`, `$matches`, `$oneOf`, `$schema`, `$approx` with `tolerance`, `$judge`). `$matches`
 * runs on the linear-time engine of shared/linear-regexp.ts, so a case file cannot stall an
 * evaluation. `$judge` is graded by a model call (server/evaluation/judge.ts); its verdict comes
 * in here already made, so this file stays pure.
 */
import { z } from 'zod';
import { checkAgainstSchema, schemaError, type JsonSchema } from './json-schema.ts';
import { compileLinear, linearPatternError } from './linear-regexp.ts';

export const matcherSchema = z.union([
  z.object({ $contains: z.string().describe('The value (a string, or JSON text of any other value) contains this text') }).strict(),
  z.object({ $matches: z.string().max(1000).describe('The string value matches this pattern (linear-time, no lookaround or backreferences)') }).strict(),
  z.object({ $oneOf: z.array(z.unknown()).min(1).max(1000).describe('The value deep-equals one of these') }).strict(),
  z.object({ $schema: z.record(z.string(), z.unknown()).describe('The value is valid against this JSON Schema') }).strict(),
  z.object({ $approx: z.number(), tolerance: z.number().min(0).describe('Largest accepted distance from $approx') }).strict(),
  z
    .object({
      $judge: z
        .object({
          model: z.string().min(1).max(200).describe('The model that grades, priced and budgeted like any model step'),
          criteria: z.string().trim().min(1).max(4000).describe('What the value must satisfy, in words'),
        })
        .strict()
        .describe('A model grades the value against the criteria and answers {pass, reason}'),
    })
    .strict(),
]);
export type Matcher = z.infer<typeof matcherSchema>;
export type JudgeMatcher = Extract<Matcher, { $judge: unknown }>['$judge'];

/** A model's grade of one value: its answer, or why there is none (the call failed, was not recorded). */
export type JudgeVerdict = { pass: boolean; reason: string } | { error: string };

/** The `$judge` of an expectation, when it is one. */
export function judgeMatcherOf(expected: unknown): JudgeMatcher | undefined {
  if (!looksLikeMatcher(expected) || !Object.hasOwn(expected, '$judge')) return undefined;
  const parsed = matcherSchema.safeParse(expected);
  return parsed.success && '$judge' in parsed.data ? parsed.data.$judge : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when the expectation is meant as a matcher (its keys start with `$`), whether or not it is a valid one. */
export function looksLikeMatcher(expected: unknown): expected is Record<string, unknown> {
  return isPlainObject(expected) && Object.keys(expected).some((key) => key.startsWith('$'));
}

/** Why an expectation cannot be used (an unknown matcher, a bad pattern or schema), or undefined. */
export function expectationError(expected: unknown): string | undefined {
  if (!looksLikeMatcher(expected)) return undefined;
  const parsed = matcherSchema.safeParse(expected);
  if (!parsed.success) {
    return `${Object.keys(expected).join(', ')} is not a matcher: use one of {"$contains": text}, {"$matches": pattern}, {"$oneOf": [values]}, {"$schema": schema}, {"$approx": n, "tolerance": t}, {"$judge": {"model", "criteria"}}`;
  }
  const matcher = parsed.data;
  if ('$matches' in matcher) return linearPatternError(matcher.$matches);
  if ('$schema' in matcher) {
    const problem = schemaError(matcher.$schema);
    return problem ? `$schema: ${problem}` : undefined;
  }
  return undefined;
}

/** Deep equality over JSON values (key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, index) => jsonEqual(item, b[index]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
  }
  return false;
}

/** A value shown in a difference: JSON, cut short. */
export function shortJson(value: unknown, limit = 80): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

/**
 * Compares one value with its expectation; returns the difference in words, or undefined when it
 * matches. A `$judge` expectation needs the model's `verdict`, made beforehand.
 */
export function matchValue(expected: unknown, actual: unknown, verdict?: JudgeVerdict): string | undefined {
  if (!looksLikeMatcher(expected)) {
    return jsonEqual(expected, actual) ? undefined : `expected ${shortJson(expected)}, got ${shortJson(actual)}`;
  }
  const parsed = matcherSchema.safeParse(expected);
  if (!parsed.success) return expectationError(expected);
  const matcher = parsed.data;
  if ('$contains' in matcher) {
    const text = typeof actual === 'string' ? actual : actual === undefined ? '' : JSON.stringify(actual);
    return actual !== undefined && text.includes(matcher.$contains) ? undefined : `expected to contain ${shortJson(matcher.$contains)}, got ${shortJson(actual)}`;
  }
  if ('$matches' in matcher) {
    const problem = linearPatternError(matcher.$matches);
    if (problem) return problem;
    return typeof actual === 'string' && compileLinear(matcher.$matches).matcher(actual).find() ? undefined : `expected to match /${matcher.$matches}/, got ${shortJson(actual)}`;
  }
  if ('$oneOf' in matcher) {
    return matcher.$oneOf.some((option) => jsonEqual(option, actual)) ? undefined : `expected one of ${shortJson(matcher.$oneOf)}, got ${shortJson(actual)}`;
  }
  if ('$schema' in matcher) {
    if (actual === undefined) return 'expected a value valid against $schema, got nothing';
    const problems = checkAgainstSchema(matcher.$schema as JsonSchema, actual);
    return problems.length === 0 ? undefined : `breaks $schema at ${problems[0]!.path || '/'}: ${problems[0]!.message}`;
  }
  if ('$judge' in matcher) {
    if (actual === undefined) return 'expected a value for $judge to grade, got nothing';
    if (!verdict) return `$judge (${matcher.$judge.model}) was not graded`;
    if ('error' in verdict) return `$judge (${matcher.$judge.model}) could not grade: ${verdict.error}`;
    return verdict.pass ? undefined : `$judge (${matcher.$judge.model}) failed it: ${verdict.reason}`;
  }
  return typeof actual === 'number' && Math.abs(actual - matcher.$approx) <= matcher.tolerance ? undefined : `expected ${matcher.$approx} ± ${matcher.tolerance}, got ${shortJson(actual)}`;
}
