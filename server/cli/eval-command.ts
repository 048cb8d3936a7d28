/**
 * `weft eval <flow file> [--case NAME] [--tag TAG] [--set node.key=value] [--compare node.key=a,b]
 * [--record | --replay] [--json]`: runs the flow's cases (`<id>.cases.jsonl` beside the flow file)
 * and prints a table with totals. Exit codes: 0 every case passed, 1 a case failed, 2 the flow,
 * cases, options or recordings are not usable (nothing ran).
 */
import { checkCasesAgainstFlow, parseCasesText, type EvaluationCase } from '../../shared/cases.ts';
import type { Flow } from '../../shared/flow.ts';
import { changedVerdicts, evaluateCases, summarise } from '../evaluation/evaluate.ts';
import { applySettings, parseComparison, parseSetting, type Setting } from '../evaluation/flow-variants.ts';
import { createRecordingModelService, parseRecordings, recordingLine, type Recording } from '../providers/recording-model-service.ts';
import { createRuntimeServices } from '../runtime-services.ts';
import { parseCommandArgs } from './cli-args.ts';
import { companionPaths } from './companion-paths.ts';
import { caseTable, comparisonTable, type VariantReport } from './eval-report.ts';
import { loadFlowAndInputs } from './load-flow.ts';
import { EXIT, readError, readOrReport, type CliIo } from './output.ts';
import { didYouMean } from './suggest.ts';

export const EVAL_USAGE = 'weft eval <flow file> [--case NAME] [--tag TAG] [--set node.key=value] [--compare node.key=a,b] [--record | --replay] [--json]';

const EVAL_OPTIONS = {
  case: { type: 'string', multiple: true },
  tag: { type: 'string', multiple: true },
  set: { type: 'string', multiple: true },
  compare: { type: 'string' },
  record: { type: 'boolean' },
  replay: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

interface Variant {
  label: string;
  settings: Setting[];
  flow: Flow;
}

function selectCases(cases: EvaluationCase[], names: string[], tags: string[], io: CliIo): EvaluationCase[] | undefined {
  for (const name of names) {
    if (!cases.some((candidate) => candidate.name === name)) {
      io.err(`--case ${name}: no case of that name${didYouMean(name, cases.map((candidate) => candidate.name))}\n`);
      return undefined;
    }
  }
  return cases.filter((candidate) => (names.length === 0 || names.includes(candidate.name)) && (tags.length === 0 || tags.some((tag) => candidate.tags?.includes(tag))));
}

function buildVariants(flow: Flow, set: string[], compare: string | undefined, io: CliIo): Variant[] | undefined {
  const base: Setting[] = [];
  for (const text of set) {
    const setting = parseSetting(text);
    if (typeof setting === 'string') return void io.err(`${setting}\n`);
    base.push(setting);
  }
  const alternatives = compare === undefined ? [undefined] : parseComparison(compare);
  if (typeof alternatives === 'string') return void io.err(`${alternatives}\n`);
  const variants: Variant[] = [];
  for (const alternative of alternatives) {
    const settings = alternative ? [...base, alternative] : base;
    const applied = applySettings(flow, settings);
    if (!applied.ok) return void io.err(`${applied.message}\n`);
    variants.push({ label: settings.length === 0 ? 'as written' : settings.map((setting) => setting.text).join(' '), settings, flow: applied.flow });
  }
  return variants;
}

async function loadRecordings(path: string, io: CliIo, required: boolean): Promise<Recording[] | undefined> {
  let text: string;
  try {
    text = await io.readFile(path);
  } catch (error) {
    if (!required) return [];
    io.err(`--replay: ${readError(path, error)} (record with --record first)\n`);
    return undefined;
  }
  const { recordings, problems } = parseRecordings(text);
  if (problems.length > 0) {
    io.err(`${path}: ${problems.join('; ')}\n`);
    return undefined;
  }
  return recordings;
}

export async function evalCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs('eval', args, EVAL_OPTIONS, io);
  if (!parsed) return EXIT.invalid;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) return void io.err(`usage: ${EVAL_USAGE}\n`), EXIT.invalid;
  if (values.record && values.replay) return void io.err('--record and --replay cannot go together: record once, then replay\n'), EXIT.invalid;
  const file = positionals[0]!;
  const loaded = await loadFlowAndInputs(file, undefined, io);
  if (!loaded) return EXIT.invalid;
  const paths = companionPaths(file, loaded.flow.id);
  const casesText = await readOrReport(paths.cases, io);
  if (casesText === undefined) return EXIT.invalid;
  const casesResult = parseCasesText(casesText);
  if (!casesResult.ok) return void io.err(`${paths.cases}: ${casesResult.problems.map((problem) => `\n  line ${problem.line}: ${problem.message}`).join('')}\n`), EXIT.invalid;
  const problems = checkCasesAgainstFlow(loaded.flow, casesResult.cases);
  if (problems.length > 0) return void io.err(`${paths.cases}: cases do not fit the flow${problems.map((problem) => `\n  case "${problem.caseName}": ${problem.message}`).join('')}\n`), EXIT.invalid;
  const cases = selectCases(casesResult.cases, values.case ?? [], values.tag ?? [], io);
  if (!cases) return EXIT.invalid;
  const variants = buildVariants(loaded.flow, values.set ?? [], values.compare, io);
  if (!variants) return EXIT.invalid;
  const known = values.record || values.replay ? await loadRecordings(paths.recordings, io, values.replay === true) : [];
  if (!known) return EXIT.invalid;

  const runtime = await createRuntimeServices({ env: io.env, simulatedChunkDelayMs: 0, sandboxPoolSize: 1 });
  try {
    const mode = values.replay ? 'replay' : values.record ? 'record' : undefined;
    const recorder = mode && runtime.services.models ? createRecordingModelService(runtime.services.models, mode, known) : undefined;
    const models = recorder ?? runtime.services.models;
    if (runtime.simulated && mode !== 'replay' && !values.json) io.err('note: no OPENAI_API_KEY: model steps use the built-in SIMULATED endpoint; outputs and costs are simulated\n');
    const reports: VariantReport[] = [];
    for (const variant of variants) {
      const results = await evaluateCases(variant.flow, cases, { ...runtime.services, ...(models ? { models } : {}) });
      reports.push({ label: variant.label, results, summary: summarise(results) });
    }
    const changed = reports.length < 2 ? [] : [...new Set(reports.slice(1).flatMap((report) => changedVerdicts(reports[0]!.results, report.results)))];
    if (mode === 'record' && recorder) {
      const merged = new Map(known.map((recording) => [recording.key, recording]));
      for (const recording of recorder.recorded()) merged.set(recording.key, recording);
      const lines = [...merged.values()].sort((a, b) => (a.key < b.key ? -1 : 1)).map(recordingLine);
      await io.writeFile(paths.recordings, lines.map((line) => `${line}\n`).join(''));
    }
    if (values.json) {
      io.out(`${JSON.stringify({ variants: reports.map((report, index) => ({ ...report, settings: variants[index]!.settings.map((setting) => setting.text) })), changed })}\n`);
    } else {
      for (const report of reports) io.out(`${caseTable(report)}\n`);
      if (reports.length > 1) io.out(comparisonTable(reports, changed));
      if (mode === 'record') io.out(`recorded model exchanges in ${paths.recordings}\n`);
    }
    return reports.every((report) => report.results.every((result) => result.passed)) ? EXIT.ok : EXIT.failed;
  } finally {
    await runtime.close();
  }
}
