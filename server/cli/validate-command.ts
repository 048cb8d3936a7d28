import { checkCasesAgainstFlow, parseCasesText } from '../../shared/cases.ts';
import type { Flow } from '../../shared/flow.ts';
import type { Problem } from '../../shared/validate.ts';
import { validateWithCalls } from './called-flows.ts';
import { parseCommandArgs } from './cli-args.ts';
import { companionPaths } from './companion-paths.ts';
import { EXIT, readOrReport, type CliIo } from './output.ts';

export function describeProblem(problem: Problem): string {
  const where = [problem.nodeId ? `node ${problem.nodeId}` : undefined, problem.port ? `port ${problem.port}` : undefined].filter(Boolean).join(', ');
  return `  [${problem.rule}]${where ? ` (${where})` : ''} ${problem.message}`;
}

/** `weft validate <file...>`: 0 when every file is valid, 2 with the problems listed per file. */
export async function validateCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs('validate', args, {}, io);
  if (!parsed) return EXIT.invalid;
  const files = parsed.positionals;
  if (files.length === 0) {
    io.err('usage: weft validate <file...>\n');
    return EXIT.invalid;
  }
  let invalid = 0;
  for (const file of files) {
    const text = await readOrReport(file, io);
    if (text === undefined) {
      invalid++;
      continue;
    }
    // Flows it calls are read from its own directory.
    const { result } = await validateWithCalls(file, text, io);
    if (result.ok) {
      io.out(`${file}: valid\n`);
      if (!(await validateCases(file, result.flow, io))) invalid++;
    } else {
      invalid++;
      io.out(`${file}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}\n${result.problems.map(describeProblem).join('\n')}\n`);
    }
  }
  return invalid === 0 ? EXIT.ok : EXIT.invalid;
}

/** Checks the flow's cases file beside it (`<id>.cases.jsonl`), when there is one: its lines, and each case against the flow. */
async function validateCases(flowFile: string, flow: Flow, io: CliIo): Promise<boolean> {
  const path = companionPaths(flowFile, flow.id).cases;
  let text: string;
  try {
    text = await io.readFile(path);
  } catch {
    return true;
  }
  const parsed = parseCasesText(text);
  const problems = parsed.ok
    ? checkCasesAgainstFlow(flow, parsed.cases).map((problem) => `  case "${problem.caseName}": ${problem.message}`)
    : parsed.problems.map((problem) => `  line ${problem.line}: ${problem.message}`);
  if (problems.length === 0) {
    io.out(`${path}: ${parsed.ok ? parsed.cases.length : 0} cases valid\n`);
    return true;
  }
  io.out(`${path}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${problems.join('\n')}\n`);
  return false;
}
