/**
 * Evaluation cases kept beside a flow in git: `flows/<id>.cases.jsonl`, one case per line
 * (`{"name", "tags"?, "inputs", "expect"}`), parsed here with the line of every mistake, checked
 * against the flow's inputs and outputs, and judged against what a run produced.
 */
import { z } from 'zod';
import { expectationError, matchValue, type JudgeVerdict } from './case-matchers.ts';
import type { Flow } from './flow.ts';
import { checkJsonBounds } from './json-bounds.ts';
import { parseJsonText } from './json-text.ts';
import { registry } from './kinds/registry.ts';
import { checkRunInputs } from './run-inputs.ts';
import { formatPath } from './validate.ts';

export const MAX_CASES = 1000;
export const CASE_STATUSES = ['succeeded', 'failed', 'waiting'] as const;

export const caseExpectationSchema = z
  .object({
    status: z.enum(CASE_STATUSES).optional().describe('How the run ends (default: any)'),
    outputs: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('Per run output field: a literal (deep equality) or a matcher such as {"$contains": "text"}'),
    fired: z
      .array(z.string().regex(/^[^.]+\.[^.]+$/, 'a port is written node.port, e.g. classify.unsure'))
      .max(1000)
      .optional()
      .describe('Ports that must fire, written node.port'),
    maxCostUsd: z.number().min(0).optional().describe('The run may cost at most this much'),
  })
  .strict();

export const evaluationCaseSchema = z
  .object({
    name: z.string().trim().min(1).max(200).describe('Unique within the file'),
    tags: z.array(z.string().min(1).max(100)).max(50).optional(),
    inputs: z.record(z.string(), z.unknown()).describe("The run's inputs"),
    expect: caseExpectationSchema,
  })
  .strict();

export type EvaluationCase = z.infer<typeof evaluationCaseSchema>;
export type CaseExpectation = z.infer<typeof caseExpectationSchema>;

export interface CaseProblem {
  /** 1-based line in the cases file; 0 for the file as a whole. */
  line: number;
  caseName?: string;
  message: string;
}

export type ParsedCases = { ok: true; cases: EvaluationCase[] } | { ok: false; problems: CaseProblem[] };

/** Parses a cases file; every problem names its line and, where it can, the path in that line. */
export function parseCasesText(text: string): ParsedCases {
  const problems: CaseProblem[] = [];
  const cases: EvaluationCase[] = [];
  const names = new Set<string>();
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    const json = parseJsonText(raw);
    if (!json.ok) return problems.push({ line, message: json.message.replace(/at line 1, /, 'at ') });
    const bounds = checkJsonBounds(json.value, {}, '');
    if (bounds) return problems.push({ line, message: bounds.message });
    const parsed = evaluationCaseSchema.safeParse(json.value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push({ line, message: `${formatPath(issue.path) || '/'}: ${issue.message}` });
      return;
    }
    const found = parsed.data;
    if (names.has(found.name)) return problems.push({ line, caseName: found.name, message: `name "${found.name}" is used by an earlier case` });
    names.add(found.name);
    for (const [field, expected] of Object.entries(found.expect.outputs ?? {})) {
      const problem = expectationError(expected);
      if (problem) problems.push({ line, caseName: found.name, message: `expect.outputs.${field}: ${problem}` });
    }
    cases.push(found);
  });
  if (cases.length > MAX_CASES) problems.push({ line: 0, message: `${cases.length} cases; a cases file holds at most ${MAX_CASES}` });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, cases };
}

/** The run's output fields: the input ports of every node whose kind gives the run's outputs. */
export function runOutputFields(flow: Flow): string[] {
  return flow.nodes.flatMap((node) => {
    const kind = registry.get(node.kind);
    if (!kind?.givesRunOutputs) return [];
    const config = kind.configSchema.safeParse(node.config);
    return config.success ? kind.ports(config.data).inputs.map((port) => port.name) : [];
  });
}

/** Problems of cases against a flow: inputs it does not take or breaks, outputs and ports it does not have. */
export function checkCasesAgainstFlow(flow: Flow, cases: readonly EvaluationCase[]): Array<{ caseName: string; message: string }> {
  const outputs = runOutputFields(flow);
  const problems: Array<{ caseName: string; message: string }> = [];
  for (const evaluationCase of cases) {
    const add = (message: string) => problems.push({ caseName: evaluationCase.name, message });
    for (const problem of checkRunInputs(flow, evaluationCase.inputs)) add(problem.message);
    for (const field of Object.keys(evaluationCase.expect.outputs ?? {})) {
      if (!outputs.includes(field)) add(`expect.outputs.${field}: the flow has no output "${field}" (it has ${outputs.join(', ') || 'none'})`);
    }
    for (const port of evaluationCase.expect.fired ?? []) {
      const [nodeId, portName] = port.split('.') as [string, string];
      const node = flow.nodes.find((candidate) => candidate.id === nodeId);
      const kind = node ? registry.get(node.kind) : undefined;
      const config = node && kind ? kind.configSchema.safeParse(node.config) : undefined;
      const ports = kind && config?.success ? kind.ports(config.data).outputs.map((spec) => spec.name) : [];
      if (!node) add(`expect.fired: the flow has no node "${nodeId}"`);
      else if (!ports.includes(portName)) add(`expect.fired: node "${nodeId}" has no output port "${portName}" (it has ${ports.join(', ') || 'none'})`);
    }
  }
  return problems;
}

/** What a run of a case produced, as far as its expectation can ask. */
export interface CaseOutcome {
  status: 'succeeded' | 'failed' | 'waiting' | 'cancelled';
  outputs: Record<string, unknown>;
  /** Ports that fired, written node.port. */
  fired: string[];
  /** Priced cost; null when a step was unpriced. */
  costUsd: number | null;
  /** The run's error, when it failed. */
  error?: string;
}

/**
 * The differences between a case's expectation and an outcome, first difference first; empty when
 * it passes. `verdicts` holds the model's grade of each output field expected with `$judge`.
 */
export function judgeCase(expect: CaseExpectation, outcome: CaseOutcome, verdicts: Readonly<Record<string, JudgeVerdict>> = {}): string[] {
  const differences: string[] = [];
  if (expect.status !== undefined && expect.status !== outcome.status) {
    differences.push(`status: expected ${expect.status}, got ${outcome.status}${outcome.error ? ` (${outcome.error})` : ''}`);
  }
  for (const [field, expected] of Object.entries(expect.outputs ?? {})) {
    const actual = Object.hasOwn(outcome.outputs, field) ? outcome.outputs[field] : undefined;
    const difference = matchValue(expected, actual, Object.hasOwn(verdicts, field) ? verdicts[field] : undefined);
    if (difference) differences.push(`outputs.${field}: ${difference}`);
  }
  for (const port of expect.fired ?? []) {
    if (!outcome.fired.includes(port)) differences.push(`fired: ${port} did not fire`);
  }
  if (expect.maxCostUsd !== undefined) {
    if (outcome.costUsd === null) differences.push(`cost: unpriced, cannot be held to at most $${expect.maxCostUsd}`);
    else if (outcome.costUsd > expect.maxCostUsd) differences.push(`cost: $${outcome.costUsd.toFixed(6)} is over the $${expect.maxCostUsd} allowed`);
  }
  if (expect.status === undefined && outcome.status !== 'succeeded' && differences.length === 0 && outcome.status === 'failed') {
    differences.push(`status: the run failed${outcome.error ? ` (${outcome.error})` : ''}`);
  }
  return differences;
}

/** One case as a canonical line of a cases file: fixed key order, no spaces. */
export function canonicalCaseLine(evaluationCase: EvaluationCase): string {
  const { name, tags, inputs, expect } = evaluationCase;
  const expectation = {
    ...(expect.status !== undefined ? { status: expect.status } : {}),
    ...(expect.outputs !== undefined ? { outputs: expect.outputs } : {}),
    ...(expect.fired !== undefined ? { fired: expect.fired } : {}),
    ...(expect.maxCostUsd !== undefined ? { maxCostUsd: expect.maxCostUsd } : {}),
  };
  return JSON.stringify({ name, ...(tags !== undefined ? { tags } : {}), inputs, expect: expectation });
}
