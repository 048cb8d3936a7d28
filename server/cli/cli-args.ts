/**
 * Option parsing shared by the CLI's commands: `node:util`'s parseArgs, with its mistakes told in
 * the CLI's words ("unknown option --inputs; did you mean --input?") instead of Node's advice.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CliIo } from './output.ts';
import { didYouMean } from './suggest.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The option an argument names (`--input=x` names `input`), or undefined for a positional. */
function optionName(arg: string): string | undefined {
  if (!arg.startsWith('-') || arg === '-' ) return undefined;
  return arg.replace(/^-+/, '').split('=')[0];
}

export function parseCommandArgs<T extends Options>(command: string, args: string[], options: T, io: CliIo): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true }>> | undefined {
  const names = Object.keys(options);
  const end = args.indexOf('--');
  for (const arg of end === -1 ? args : args.slice(0, end)) {
    const name = optionName(arg);
    if (name === undefined || names.includes(name)) continue;
    const known = names.length > 0 ? ` (${command} takes ${names.map((option) => `--${option}`).join(', ')})` : ` (${command} takes no options)`;
    io.err(`weft ${command}: unknown option ${arg.split('=')[0]}${didYouMean(name, names, '--')}${known}\n`);
    return undefined;
  }
  try {
    return parseArgs({ args, options, allowPositionals: true });
  } catch (error) {
    io.err(`weft ${command}: ${(error as Error).message}\n`);
    return undefined;
  }
}
