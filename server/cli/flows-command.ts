/**
 * `weft flows export DIR` and `weft flows import DIR`: saved flows to and from canonical
 * `<id>.flow.json` files, so that flows kept in the database still live in git. The store is the
 * server's: PostgreSQL when WEFT_DATABASE_URL is set, else the flows directory (WEFT_FLOWS_DIR,
 * default ./flows), where an export is a copy in canonical form.
 *
 * Import is all or nothing: every file is read and validated first, and one bad file (unreadable,
 * over the size a PUT accepts, invalid, or named for another id) is reported and nothing at all is
 * imported. Then each flow is saved as a new version, in one transaction in the database.
 */
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { serializeFlow } from '../../shared/canonical.ts';
import type { Flow } from '../../shared/flow.ts';
import { ID_PATTERN, ID_RULE } from '../../shared/ids.ts';
import { DEFAULT_BODY_LIMIT_BYTES } from '../app.ts';
import { saveAll } from '../store/flows-repository.ts';
import { FLOW_FILE_SUFFIX } from '../store/flows-store.ts';
import { openFlowsStorage, type FlowsStorage } from '../store/open-flows-storage.ts';
import { EXIT, type CliIo } from './output.ts';
import { validateWithCalls } from './called-flows.ts';
import { describeProblem } from './validate-command.ts';

export const FLOWS_USAGE = 'usage: weft flows export <dir> | weft flows import <dir>\n';

export async function flowsCommand(args: string[], io: CliIo): Promise<number> {
  const [action, directory, ...rest] = args;
  if ((action !== 'export' && action !== 'import') || directory === undefined || rest.length > 0) {
    io.err(FLOWS_USAGE);
    return EXIT.invalid;
  }
  const databaseUrl = io.env.WEFT_DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !(/^postgres(ql)?:\/\//.test(databaseUrl) && URL.canParse(databaseUrl))) {
    io.err('weft: WEFT_DATABASE_URL must be a URL like postgres://user@host:5432/database\n');
    return EXIT.invalid;
  }
  let storage: FlowsStorage;
  try {
    storage = await openFlowsStorage({ databaseUrl, flowsDir: resolve(io.env.WEFT_FLOWS_DIR || 'flows'), log: (line) => io.err(`${line}\n`) });
  } catch (error) {
    io.err(`weft: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failed;
  }
  try {
    return action === 'export' ? await exportFlows(storage, directory, io) : await importFlows(storage, directory, io);
  } catch (error) {
    io.err(`weft: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failed;
  } finally {
    await storage.close();
  }
}

async function exportFlows(storage: FlowsStorage, directory: string, io: CliIo): Promise<number> {
  await mkdir(directory, { recursive: true });
  let exported = 0;
  let skipped = 0;
  for (const entry of await storage.flows.list()) {
    const result = entry.valid ? await storage.flows.get(entry.id) : undefined;
    if (result?.status !== 'ok') {
      skipped++;
      io.err(`${entry.file}: not exported, it is not a valid flow\n${entry.valid ? '' : `${entry.problems.map(describeProblem).join('\n')}\n`}`);
      continue;
    }
    await io.writeFile(join(directory, entry.file), serializeFlow(result.flow));
    exported++;
  }
  io.out(`exported ${plural(exported, 'flow')} from ${storage.location} to ${directory}\n`);
  if (skipped > 0) io.err(`${plural(skipped, 'flow')} not exported: fix ${skipped === 1 ? 'it' : 'them'} first\n`);
  return skipped === 0 ? EXIT.ok : EXIT.invalid;
}

async function importFlows(storage: FlowsStorage, directory: string, io: CliIo): Promise<number> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((name) => name.endsWith(FLOW_FILE_SUFFIX)).sort();
  } catch (error) {
    io.err(`${directory}: cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}\n`);
    return EXIT.invalid;
  }
  if (names.length === 0) {
    io.err(`${directory}: no *${FLOW_FILE_SUFFIX} files to import\n`);
    return EXIT.invalid;
  }
  const flows: Flow[] = [];
  let bad = 0;
  for (const name of names) {
    const path = join(directory, name);
    const checked = await readFlowFile(path, name.slice(0, -FLOW_FILE_SUFFIX.length), io);
    if (checked.ok) flows.push(checked.flow);
    else {
      bad++;
      io.err(`${path}: ${checked.problems}\n`);
    }
  }
  if (bad > 0) {
    io.err(`nothing imported: ${bad} of ${names.length} files ${bad === 1 ? 'has' : 'have'} problems\n`);
    return EXIT.invalid;
  }
  const results = await saveAll(storage.flows, flows);
  const created = results.filter((result) => result.created).length;
  io.out(`imported ${plural(flows.length, 'flow')} into ${storage.location} (${created} new, ${flows.length - created} updated)\n`);
  return EXIT.ok;
}

/** `problems`: what to print after the file's path. */
type CheckedFile = { ok: true; flow: Flow } | { ok: false; problems: string };

/** A file to import, with the rules a PUT /api/flows/:id applies: size, validity, and the id its name gives. */
async function readFlowFile(path: string, id: string, io: CliIo): Promise<CheckedFile> {
  const fail = (message: string): CheckedFile => ({ ok: false, problems: message });
  if (!ID_PATTERN.test(id)) return fail(`the file name is not "<id>${FLOW_FILE_SUFFIX}" with a valid id (${ID_RULE})`);
  let text: string;
  try {
    const { size } = await stat(path);
    if (size > DEFAULT_BODY_LIMIT_BYTES) return fail(`the file is ${size} bytes, over the limit of ${DEFAULT_BODY_LIMIT_BYTES} bytes for a flow`);
    text = await io.readFile(path);
  } catch (error) {
    return fail(`cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  // A flow that calls flows (subflow, map) is checked against the flows beside it in the directory.
  const { result } = await validateWithCalls(path, text, io);
  if (!result.ok) return fail(`${plural(result.problems.length, 'problem')}\n${result.problems.map(describeProblem).join('\n')}`);
  if (result.flow.id !== id) return fail(`the file is named "${id}${FLOW_FILE_SUFFIX}" but its id is "${result.flow.id}"`);
  return { ok: true, flow: result.flow };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
