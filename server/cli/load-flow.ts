import type { PinnedFlowEntry } from '../../shared/events.ts';
import type { Flow } from '../../shared/flow.ts';
import { pinFlows } from '../../shared/flow-calls.ts';
import { parseJsonText } from '../../shared/json-text.ts';
import { validateWithCalls } from './called-flows.ts';
import { readOrReport, type CliIo } from './output.ts';
import { describeProblem } from './validate-command.ts';

/**
 * Reads and validates a flow file (against the flows of its directory it calls) and a `--input`
 * JSON object; prints what is wrong, returns undefined then. `flows`: what it calls, pinned.
 */
export async function loadFlowAndInputs(
  file: string,
  inputText: string | undefined,
  io: CliIo,
): Promise<{ flow: Flow; inputs: Record<string, unknown>; flows: Record<string, PinnedFlowEntry> } | undefined> {
  const text = await readOrReport(file, io);
  if (text === undefined) return undefined;
  const { result, called } = await validateWithCalls(file, text, io);
  if (!result.ok) {
    io.err(`${file}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}, nothing ran\n${result.problems.map(describeProblem).join('\n')}\n`);
    return undefined;
  }
  let inputs: Record<string, unknown> = {};
  if (inputText !== undefined) {
    const parsed = parseJsonText(inputText);
    if (!parsed.ok) {
      io.err(`--input: ${parsed.message}\n`);
      return undefined;
    }
    if (typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) {
      io.err('--input must be a JSON object of run inputs, e.g. --input \'{"text":"..."}\'\n');
      return undefined;
    }
    inputs = parsed.value as Record<string, unknown>;
  }
  return { flow: result.flow, inputs, flows: pinFlows(called) };
}
