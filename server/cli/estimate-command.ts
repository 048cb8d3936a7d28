/**
 * `weft estimate <file> [--input JSON]`: each model step's worst-case cost (prompt tokens plus its
 * token cap at the model's price; the prompt against its maxInputTokens) and the flow's total, before anything runs or is paid for.
 */
import { formatUsd } from '../../shared/pricing.ts';
import { estimateFlow, type StepEstimate } from '../estimate.ts';
import { loadProviderConfig } from '../providers/config.ts';
import { createModelService } from '../providers/openai-model-service.ts';
import { loadFlowAndInputs } from './load-flow.ts';
import { parseCommandArgs } from './cli-args.ts';
import { EXIT, type CliIo } from './output.ts';

/** Prompt tokens, against the step's context budget when it has one. */
function promptCell(step: StepEstimate): string {
  if (step.maxInputTokens === undefined) return String(step.promptTokens);
  const note = step.context === 'truncated' ? ' (truncated)' : step.context === 'too-long' ? ' (too long: fails)' : '';
  return `${step.promptTokens} of ${step.maxInputTokens}${note}`;
}

export async function estimateCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs('estimate', args, { input: { type: 'string' }, json: { type: 'boolean' } } as const, io);
  if (!parsed) return EXIT.invalid;
  if (parsed.positionals.length !== 1) {
    io.err('usage: weft estimate <file> [--input JSON] [--json]\n');
    return EXIT.invalid;
  }
  const loaded = await loadFlowAndInputs(parsed.positionals[0]!, parsed.values.input, io);
  if (!loaded) return EXIT.invalid;
  let estimate;
  try {
    const providers = loadProviderConfig({ env: io.env });
    estimate = estimateFlow(loaded.flow, createModelService({ config: providers, env: io.env }), loaded.inputs);
  } catch (error) {
    io.err(`weft estimate: ${(error as Error).message}\n`);
    return EXIT.invalid;
  }
  if (parsed.values.json) {
    io.out(`${JSON.stringify(estimate, null, 2)}\n`);
    return EXIT.ok;
  }
  const rows = estimate.steps.map((step) => [
    step.nodeId,
    step.model + (step.simulated ? ' (simulated)' : ''),
    promptCell(step),
    String(step.maxTokens),
    step.worstCaseUsd === null ? 'unpriced' : formatUsd(step.worstCaseUsd),
  ]);
  const header = ['step', 'model', 'prompt tokens', 'max reply tokens', 'worst case'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column >= 2 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ');
  io.out(`${line(header)}\n${rows.map(line).join('\n')}${rows.length ? '\n' : ''}`);
  if (rows.length === 0) io.out('no model steps: this flow costs nothing to run\n');
  io.out(`total worst case: ${formatUsd(estimate.totalUsd)}${estimate.unpricedSteps.length ? ` plus unpriced steps (${estimate.unpricedSteps.join(', ')})` : ''}\n`);
  for (const step of estimate.steps.filter((candidate) => candidate.context === 'too-long')) {
    io.out(`context: step "${step.nodeId}" has a ${step.promptTokens}-token prompt, over its maxInputTokens ${step.maxInputTokens}: it would fail before sending\n`);
  }
  if (estimate.budgetUsd !== undefined) {
    io.out(`budget: ${formatUsd(estimate.budgetUsd)}, ${estimate.fitsBudget ? 'the worst case fits' : 'the worst case does NOT fit: a step may fail its budget check before calling its model'}\n`);
  }
  if (estimate.steps.some((step) => step.simulated)) io.out('note: no OPENAI_API_KEY; runs would be simulated, priced as the named models would be\n');
  return EXIT.ok;
}
