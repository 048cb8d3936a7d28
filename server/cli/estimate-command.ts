/**
 * `weft estimate <file> [--input JSON] [--items N]`: each model step's worst-case cost (prompt
 * tokens plus its token cap at the model's price; the prompt against its maxInputTokens) and the flow's total, before anything runs or is
 * paid for. A step that runs another flow costs that flow's worst case; a map, that per item and
 * for N items (`--items`, else the list in `--input`, else one).
 */
import { formatUsd } from '../../shared/pricing.ts';
import { estimateFlow, type StepEstimate } from '../estimate.ts';
import { loadProviderConfig } from '../providers/config.ts';
import { createModelService } from '../providers/openai-model-service.ts';
import { loadFlowAndInputs } from './load-flow.ts';
import { parseCommandArgs } from './cli-args.ts';
import { EXIT, type CliIo } from './output.ts';
import { MAX_MAP_ITEMS } from '../../shared/kinds/map.ts';

/** Prompt tokens, against the step's context budget when it has one. */
function promptCell(step: StepEstimate): string {
  if (step.maxInputTokens === undefined) return String(step.promptTokens);
  const note = step.context === 'truncated' ? ' (truncated)' : step.context === 'too-long' ? ' (too long: fails)' : '';
  return `${step.promptTokens} of ${step.maxInputTokens}${note}`;
}

export async function estimateCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs('estimate', args, { input: { type: 'string' }, json: { type: 'boolean' }, items: { type: 'string' } } as const, io);
  if (!parsed) return EXIT.invalid;
  if (parsed.positionals.length !== 1) {
    io.err('usage: weft estimate <file> [--input JSON] [--items N] [--json]\n');
    return EXIT.invalid;
  }
  const items = parsed.values.items === undefined ? undefined : Number(parsed.values.items);
  if (items !== undefined && (!Number.isInteger(items) || items < 1 || items > MAX_MAP_ITEMS)) {
    io.err(`--items: a whole number from 1 to ${MAX_MAP_ITEMS}, not "${parsed.values.items}"\n`);
    return EXIT.invalid;
  }
  const loaded = await loadFlowAndInputs(parsed.positionals[0]!, parsed.values.input, io);
  if (!loaded) return EXIT.invalid;
  let estimate;
  try {
    const providers = loadProviderConfig({ env: io.env });
    const flows = loaded.flows;
    estimate = estimateFlow(loaded.flow, createModelService({ config: providers, env: io.env }), loaded.inputs, undefined, {
      flows: (id) => (Object.hasOwn(flows, id) ? flows[id]!.flow : undefined),
      ...(items !== undefined ? { items } : {}),
    });
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
  const perItem = estimate.steps.filter((step) => step.items !== undefined);
  const header = ['step', 'model', 'prompt tokens', 'max reply tokens', 'worst case'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column >= 2 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ');
  io.out(`${line(header)}\n${rows.map(line).join('\n')}${rows.length ? '\n' : ''}`);
  if (rows.length === 0) io.out('no model steps: this flow costs nothing to run\n');
  for (const step of perItem) {
    io.out(`${step.nodeId}: ${step.perItemUsd === null || step.perItemUsd === undefined ? 'unpriced' : formatUsd(step.perItemUsd)} per item, ${step.worstCaseUsd === null ? 'unpriced' : formatUsd(step.worstCaseUsd)} for ${step.items} item${step.items === 1 ? '' : 's'}${parsed.values.items === undefined ? ' (say how many with --items N)' : ''}\n`);
  }
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
