/**
 * A flow's cases file in the flows directory, `<id>.cases.jsonl`, as the designer reads and saves
 * it. Cases are files beside the flow in every store mode, because they belong in git with it.
 * Saving checks every case as a line of the file (shared/cases.ts parseCasesText) and against the
 * flow, then writes canonical lines atomically.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { canonicalCaseLine, checkCasesAgainstFlow, parseCasesText, type CaseProblem, type EvaluationCase } from '../../shared/cases.ts';
import type { Flow } from '../../shared/flow.ts';
import { ID_PATTERN } from '../../shared/ids.ts';
import { InvalidFlowIdError } from '../store/flows-store.ts';
import { writeFileAtomic } from '../store/atomic-write.ts';

export const CASES_FILE_SUFFIX = '.cases.jsonl';

export interface CasesRead {
  cases: EvaluationCase[];
  problems: CaseProblem[];
  file: string;
}

/** Problems of cases against a flow, as lines (a case's line is its place in the file). */
function flowProblems(flow: Flow, cases: readonly EvaluationCase[]): CaseProblem[] {
  return checkCasesAgainstFlow(flow, cases).map((problem) => ({ line: cases.findIndex((candidate) => candidate.name === problem.caseName) + 1, caseName: problem.caseName, message: problem.message }));
}

export class CasesFiles {
  readonly directory: string;

  constructor(directory: string) {
    this.directory = resolve(directory);
  }

  fileName(flowId: string): string {
    if (!ID_PATTERN.test(flowId)) throw new InvalidFlowIdError(flowId);
    return `${flowId}${CASES_FILE_SUFFIX}`;
  }

  pathFor(flowId: string): string {
    const path = join(this.directory, this.fileName(flowId));
    if (!path.startsWith(this.directory + sep)) throw new InvalidFlowIdError(flowId);
    return path;
  }

  /** The flow's cases; none when there is no file; a file that breaks the rules gives its problems and no cases. */
  async read(flow: Flow): Promise<CasesRead> {
    const file = this.fileName(flow.id);
    let text: string;
    try {
      text = await readFile(this.pathFor(flow.id), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { cases: [], problems: [], file };
      throw error;
    }
    const parsed = parseCasesText(text);
    if (!parsed.ok) return { cases: [], problems: parsed.problems, file };
    return { cases: parsed.cases, problems: flowProblems(flow, parsed.cases), file };
  }

  /** Checks cases as the lines of a file and against the flow; saves them canonically when there is no problem. */
  async save(flow: Flow, cases: readonly unknown[]): Promise<{ ok: true; cases: EvaluationCase[] } | { ok: false; problems: CaseProblem[] }> {
    const parsed = parseCasesText(cases.map((value) => JSON.stringify(value)).join('\n'));
    if (!parsed.ok) return parsed;
    const problems = flowProblems(flow, parsed.cases);
    if (problems.length > 0) return { ok: false, problems };
    await writeFileAtomic(this.pathFor(flow.id), parsed.cases.map((evaluationCase) => `${canonicalCaseLine(evaluationCase)}\n`).join(''));
    return { ok: true, cases: parsed.cases };
  }
}
