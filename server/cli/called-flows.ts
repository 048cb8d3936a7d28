/**
 * The flows a flow file calls (subflow, map), read from the flows directory it sits in: a call of
 * flow "x" means `x.flow.json` beside it. Validation checks the file against them; a run pins them.
 */
import { dirname, join } from 'node:path';
import type { Flow } from '../../shared/flow.ts';
import { flowSchema, migrateFlowDocument } from '../../shared/flow.ts';
import { loadCallClosure, lookupIn } from '../../shared/flow-calls.ts';
import { isValidId } from '../../shared/ids.ts';
import { parseJsonText } from '../../shared/json-text.ts';
import { validateFlowText, type ValidationResult } from '../../shared/validate.ts';
import type { CliIo } from './output.ts';

/** A flow file's structure, without its graph checks (those need the flows it calls). */
function parseStructure(text: string): Flow | undefined {
  const json = parseJsonText(text);
  if (!json.ok) return undefined;
  const migrated = migrateFlowDocument(json.value);
  if (!migrated.ok) return undefined;
  const parsed = flowSchema.safeParse(migrated.document);
  return parsed.success ? parsed.data : undefined;
}

export async function readCalledFlows(root: Flow, directory: string, io: Pick<CliIo, 'readFile'>): Promise<Map<string, Flow>> {
  return loadCallClosure(root, async (id) => {
    if (!isValidId(id)) return undefined;
    try {
      return parseStructure(await io.readFile(join(directory, `${id}.flow.json`)));
    } catch {
      return undefined;
    }
  });
}

/** Validates a flow file's text against the flows of its directory; gives them back for a run to pin. */
export async function validateWithCalls(file: string, text: string, io: Pick<CliIo, 'readFile'>): Promise<{ result: ValidationResult; called: Map<string, Flow> }> {
  const root = parseStructure(text);
  const called = root ? await readCalledFlows(root, dirname(file), io) : new Map<string, Flow>();
  return { result: validateFlowText(text, { flows: lookupIn(called) }), called };
}
