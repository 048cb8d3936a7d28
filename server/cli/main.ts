/**
 * `weft validate | fmt | run | estimate | cost | flows | keys | worker`: the headless face of Weft for CI and scripts.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { fmtCommand } from './fmt-command.ts';
import { EXIT, type CliIo } from './output.ts';
import { didYouMean } from './suggest.ts';
import { validateCommand } from './validate-command.ts';

const USAGE = `usage: weft <command> [options]

  validate <file...>              check flow files; exit 0 valid, 2 problems
  fmt <file...> [--check]         rewrite in canonical form; --check changes nothing, exit 2 if any differ
  run <file> [--input JSON] [--json] [--approve NODE] [--reject NODE] [--comment TEXT] [--by NAME]
                                  run headless; exit 0 succeeded, 1 failed, 2 invalid, 3 waiting for a decision;
                                  --approve/--reject decide an approval step (repeatable), --comment and --by go with them
  run --replay-of RUN_ID [--json]  replay a finished run at $0 from its log (WEFT_DATA_DIR, or WEFT_DATABASE_URL); exit 0 outputs identical, 1 not
  eval <file> [--case NAME] [--tag TAG] [--set node.key=value] [--compare node.key=a,b] [--record | --replay] [--json]
                                  run the flow's cases (<id>.cases.jsonl beside it); exit 0 all pass, 1 a case failed, 2 unusable;
                                  --set changes a node's config for this evaluation only, --compare evaluates each value side by side,
                                  --record keeps model exchanges in <id>.recordings.jsonl, --replay answers from them alone at $0
  estimate <file> [--input JSON] [--json]
                                  worst-case cost of each model step and the flow
  cost [FLOW] [--since DATE] [--json]
                                  what model steps spent (from the run logs in WEFT_DATA_DIR): per day, by model,
                                  by step, the most expensive runs, and what the spend caps have left
  flows export|import <dir>       saved flows to or from canonical <id>.flow.json files (WEFT_DATABASE_URL or WEFT_FLOWS_DIR)
  keys create --name NAME [--flow ID]... | list | revoke NAME
                                  API keys for POST /api/flows/:id/invoke (in WEFT_DATA_DIR); a new key is printed once
  worker                          execute runs queued in PostgreSQL (WEFT_DATABASE_URL) without serving, until SIGTERM;
                                  WEFT_WORKER_CONCURRENCY runs at a time, WEFT_LEASE_TIMEOUT_MS before a dead worker's runs move
`;

const COMMANDS = ['validate', 'fmt', 'run', 'eval', 'estimate', 'cost', 'flows', 'keys', 'worker', 'help'];

async function atomicWrite(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text, 'utf8');
  await rename(temporary, path);
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  readFile: (path) => readFile(path, 'utf8'),
  writeFile: atomicWrite,
  env: process.env,
};

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'validate':
      return validateCommand(args, io);
    case 'fmt':
      return fmtCommand(args, io);
    case 'run': {
      const { runCommand } = await import('./run-command.ts');
      return runCommand(args, io);
    }
    case 'eval':
      return (await import('./eval-command.ts')).evalCommand(args, io);
    case 'estimate': {
      const { estimateCommand } = await import('./estimate-command.ts');
      return estimateCommand(args, io);
    }
    case 'cost':
      return (await import('./cost-command.ts')).costCommand(args, io);
    case 'flows':
      return (await import('./flows-command.ts')).flowsCommand(args, io);
    case 'keys':
      return (await import('./keys-command.ts')).keysCommand(args, io);
    case 'worker':
      return (await import('./worker-command.ts')).workerCommand(args, io);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(USAGE);
      return command === undefined ? EXIT.invalid : EXIT.ok;
    default:
      io.err(`weft: unknown command "${command}"${didYouMean(command, COMMANDS)}\n${USAGE}`);
      return EXIT.invalid;
  }
}
