import { serializeFlow } from '../../shared/canonical.ts';
import { parseCommandArgs } from './cli-args.ts';
import { EXIT, readOrReport, type CliIo } from './output.ts';
import { describeProblem } from './validate-command.ts';
import { validateWithCalls } from './called-flows.ts';

/**
 * `weft fmt <file...> [--check]`: rewrites files in canonical form. With --check nothing changes
 * and the command exits 2 naming the files that are not canonical (for CI and pre-commit hooks).
 * A file with problems is never rewritten.
 */
export async function fmtCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs('fmt', args, { check: { type: 'boolean' } } as const, io);
  if (!parsed) return EXIT.invalid;
  const check = parsed.values.check === true;
  const files = parsed.positionals;
  if (files.length === 0) {
    io.err('usage: weft fmt <file...> [--check]\n');
    return EXIT.invalid;
  }
  let failing = 0;
  for (const file of files) {
    const text = await readOrReport(file, io);
    if (text === undefined) {
      failing++;
      continue;
    }
    const { result } = await validateWithCalls(file, text, io);
    if (!result.ok) {
      failing++;
      io.out(`${file}: not formatted, it has problems:\n${result.problems.map(describeProblem).join('\n')}\n`);
      continue;
    }
    const canonical = serializeFlow(result.flow);
    if (canonical === text) continue;
    if (check) {
      failing++;
      io.out(`${file}: not in canonical form (run: weft fmt ${file})\n`);
    } else {
      await io.writeFile(file, canonical);
      io.out(`${file}: formatted\n`);
    }
  }
  return failing === 0 ? EXIT.ok : EXIT.invalid;
}
