import { readdirSync, readFileSync } from 'node:fs';
import { Validator } from '@cfworker/json-schema';
import { describe, expect, it } from 'vitest';
import { expectationError, matchValue } from './case-matchers.ts';
import { casesJsonSchema, casesJsonSchemaText } from './cases-json-schema.ts';
import { canonicalCaseLine, checkCasesAgainstFlow, judgeCase, parseCasesText } from './cases.ts';
import { validateFlowText } from './validate.ts';

const flowsDir = new URL('../flows/', import.meta.url);
const triage = validateFlowText(readFileSync(new URL('ticket-triage.flow.json', flowsDir), 'utf8')).flow!;

describe('matchers', () => {
  it('compare literals deeply, whatever the key order', () => {
    expect(matchValue({ a: [1, { b: 2 }], c: 'x' }, { c: 'x', a: [1, { b: 2 }] })).toBeUndefined();
    expect(matchValue({ a: 1 }, { a: 1, b: 2 })).toBe('expected {"a":1}, got {"a":1,"b":2}');
    expect(matchValue('bug', undefined)).toBe('expected "bug", got nothing');
  });

  it('$contains, $matches, $oneOf, $schema and $approx each pass and fail', () => {
    expect(matchValue({ $contains: 'twice' }, 'charged twice')).toBeUndefined();
    expect(matchValue({ $contains: 'twice' }, 'once')).toBe('expected to contain "twice", got "once"');
    expect(matchValue({ $matches: '^bil+ing$' }, 'billing')).toBeUndefined();
    expect(matchValue({ $matches: '^bil+ing$' }, 'bug')).toBe('expected to match /^bil+ing$/, got "bug"');
    expect(matchValue({ $oneOf: ['bug', 'billing'] }, 'billing')).toBeUndefined();
    expect(matchValue({ $oneOf: ['bug', 'billing'] }, 'other')).toContain('expected one of ["bug","billing"]');
    expect(matchValue({ $schema: { type: 'object', required: ['category'] } }, { category: 'bug' })).toBeUndefined();
    expect(matchValue({ $schema: { type: 'object', required: ['category'] } }, {})).toContain('breaks $schema');
    expect(matchValue({ $approx: 10, tolerance: 0.5 }, 10.4)).toBeUndefined();
    expect(matchValue({ $approx: 10, tolerance: 0.5 }, 10.6)).toBe('expected 10 ± 0.5, got 10.6');
  });

  it('$matches runs in linear time: a catastrophic pattern on a long text answers at once', () => {
    expect(matchValue({ $matches: '^(a+)+$' }, `${'a'.repeat(5000)}!`)).toContain('expected to match');
  });

  it('$judge takes the verdict a model made, and says when there is none', () => {
    const judge = { $judge: { model: 'gpt-4o-mini', criteria: 'polite' } };
    expect(matchValue(judge, 'Thank you', { pass: true, reason: 'it thanks' })).toBeUndefined();
    expect(matchValue(judge, 'Go away', { pass: false, reason: 'it is rude' })).toBe('$judge (gpt-4o-mini) failed it: it is rude');
    expect(matchValue(judge, 'Go away', { error: 'judge: no recording' })).toBe('$judge (gpt-4o-mini) could not grade: judge: no recording');
    expect(matchValue(judge, 'Go away')).toBe('$judge (gpt-4o-mini) was not graded');
    expect(matchValue(judge, undefined, { pass: true, reason: '' })).toBe('expected a value for $judge to grade, got nothing');
    expect(judgeCase({ outputs: { answer: judge } }, { status: 'succeeded', outputs: { answer: 'x' }, fired: [], costUsd: 0 }, { answer: { pass: false, reason: 'no' } })).toEqual(['outputs.answer: $judge (gpt-4o-mini) failed it: no']);
  });

  it('refuses a $judge without a model or criteria, or with stray keys', () => {
    expect(expectationError({ $judge: { model: 'gpt-4o-mini', criteria: 'polite' } })).toBeUndefined();
    expect(expectationError({ $judge: { model: 'gpt-4o-mini' } })).toContain('is not a matcher');
    expect(expectationError({ $judge: { model: 'gpt-4o-mini', criteria: '  ' } })).toContain('is not a matcher');
    expect(expectationError({ $judge: { model: 'gpt-4o-mini', criteria: 'x', temperature: 1 } })).toContain('is not a matcher');
  });

  it('refuses unknown matchers and patterns RE2 cannot run, naming them', () => {
    expect(expectationError({ $equals: 1 })).toContain('$equals is not a matcher');
    expect(expectationError({ $matches: '(a)\\1' })).toContain('cannot be used');
    expect(expectationError({ $approx: 1 })).toContain('is not a matcher');
  });
});

describe('cases files', () => {
  it('name the line and path of each mistake, and refuse duplicate names', () => {
    const text = ['{"name":"a","inputs":{},"expect":{}}', '', '{"name":"a","inputs":{},"expect":{}}', '{"name":"b","inputs":{},"expect":{"status":"done"}}', '{"name":', '{"name":"c","inputs":{},"expect":{"outputs":{"x":{"$nope":1}}}}'].join('\n');
    const parsed = parseCasesText(text);
    expect(parsed.ok).toBe(false);
    const problems = parsed.ok ? [] : parsed.problems.map((problem) => `${problem.line}: ${problem.message}`);
    expect(problems[0]).toBe('3: name "a" is used by an earlier case');
    expect(problems[1]).toBe('4: expect.status: Invalid option: expected one of "succeeded"|"failed"|"waiting"');
    expect(problems[2]).toMatch(/^5: not valid JSON/);
    expect(problems[3]).toMatch(/^6: expect.outputs.x: \$nope is not a matcher/);
  });

  it('are checked against the flow: inputs, output fields and fired ports', () => {
    const parsed = parseCasesText('{"name":"x","inputs":{"txt":"a"},"expect":{"outputs":{"classifcation":1},"fired":["classify.unsur","nobody.out"]}}');
    expect(parsed.ok).toBe(true);
    const problems = checkCasesAgainstFlow(triage, parsed.ok ? parsed.cases : []).map((problem) => problem.message);
    expect(problems).toEqual([
      'input "text" is missing (expects string)',
      'input "txt" is not a field of this flow',
      'expect.outputs.classifcation: the flow has no output "classifcation" (it has classification, reviewed, general_queue)',
      'expect.fired: node "classify" has no output port "unsur" (it has result, unsure)',
      'expect.fired: the flow has no node "nobody"',
    ]);
  });

  it('judge an outcome: status, outputs, fired ports and cost, first difference first', () => {
    const expectation = { status: 'succeeded' as const, outputs: { classification: { $contains: 'bug' } }, fired: ['classify.result'], maxCostUsd: 0.001 };
    expect(judgeCase(expectation, { status: 'succeeded', outputs: { classification: { category: 'bug' } }, fired: ['classify.result'], costUsd: 0.0005 })).toEqual([]);
    expect(judgeCase(expectation, { status: 'failed', outputs: {}, fired: [], costUsd: 0.002, error: 'classify: boom' })).toEqual([
      'status: expected succeeded, got failed (classify: boom)',
      'outputs.classification: expected to contain "bug", got nothing',
      'fired: classify.result did not fire',
      'cost: $0.002000 is over the $0.001 allowed',
    ]);
    expect(judgeCase({}, { status: 'failed', outputs: {}, fired: [], costUsd: 0, error: 'x' })).toEqual(['status: the run failed (x)']);
  });
});

describe('flows/cases.schema.json and the example cases', () => {
  it('is what the zod schemas generate (run `npm run schema` after changing them)', () => {
    expect(readFileSync(new URL('cases.schema.json', flowsDir), 'utf8')).toBe(casesJsonSchemaText());
  });

  const files = readdirSync(flowsDir).filter((name) => name.endsWith('.cases.jsonl'));
  it('every example flow has cases', () => {
    expect(files.sort()).toEqual(['invoice-approval.cases.jsonl', 'model-cascade.cases.jsonl', 'ticket-triage.cases.jsonl']);
  });

  it.each(files)('%s is valid, fits its flow, matches the JSON Schema and is canonical', (file) => {
    const text = readFileSync(new URL(file, flowsDir), 'utf8');
    const parsed = parseCasesText(text);
    expect(parsed.ok ? [] : parsed.problems).toEqual([]);
    const cases = parsed.ok ? parsed.cases : [];
    const flow = validateFlowText(readFileSync(new URL(file.replace('.cases.jsonl', '.flow.json'), flowsDir), 'utf8')).flow!;
    expect(checkCasesAgainstFlow(flow, cases)).toEqual([]);
    const validator = new Validator(casesJsonSchema() as never, '7');
    for (const line of text.trim().split('\n')) expect(validator.validate(JSON.parse(line)).valid).toBe(true);
    expect(cases.map((evaluationCase) => `${canonicalCaseLine(evaluationCase)}\n`).join('')).toBe(text);
  });
});
