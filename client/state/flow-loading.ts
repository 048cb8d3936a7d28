/**
 * Turning a document from the server or a file into something the editor can open. A flow whose
 * structure parses opens even with graph problems (they show on the canvas); anything else is
 * refused with every problem listed and the current document left alone.
 */
import { flowSchema, migrateFlowDocument, type Flow } from '../../shared/flow.ts';
import { parseJsonText } from '../../shared/json-text.ts';
import { validateFlowDocument } from '../../shared/validate.ts';
import { calledFlow } from './called-flows.ts';
import { rememberProblems, withoutPendingCalls } from './problems.ts';

export type Openable = { ok: true; flow: Flow; problemCount: number } | { ok: false; problems: string[] };

export function openableFlow(document: unknown): Openable {
  const migrated = migrateFlowDocument(document);
  if (!migrated.ok) return { ok: false, problems: [migrated.message] };
  // Its calls of other flows are checked once those are read (state/called-flows.ts, problems.ts).
  const validation = validateFlowDocument(migrated.document, { flows: calledFlow, calls: false });
  // A valid document comes back parsed: no second parse of a large flow.
  if (validation.ok) {
    rememberProblems(validation.flow, []);
    return { ok: true, flow: validation.flow, problemCount: 0 };
  }
  const parsed = flowSchema.safeParse(migrated.document);
  if (!parsed.success) return { ok: false, problems: validation.problems.map((problem) => problem.message) };
  const problems = withoutPendingCalls(parsed.data, validation.problems);
  rememberProblems(parsed.data, problems);
  return { ok: true, flow: parsed.data, problemCount: problems.length };
}

export function openableFlowText(text: string): Openable {
  const json = parseJsonText(text);
  if (!json.ok) return { ok: false, problems: [json.message] };
  return openableFlow(json.value);
}
