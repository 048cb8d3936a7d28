/** Where the CLI writes: injectable so tests can capture it without spawning a process. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  readFile: (path: string) => Promise<string>;
  writeFile: (path: string, text: string) => Promise<void>;
  env: Record<string, string | undefined>;
}

export const EXIT = { ok: 0, failed: 1, invalid: 2, waiting: 3 } as const;

/** Why a file cannot be read, in words: "file not found: PATH" rather than `ENOENT`. */
export function readError(file: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return `file not found: ${file}`;
  if (code === 'EISDIR') return `${file} is a directory, not a flow file`;
  if (code === 'EACCES' || code === 'EPERM') return `not allowed to read ${file}`;
  return `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * A reader that closes the pipe early (\`weft run … --json | head -1\`) is not an error: the CLI
 * stops quietly with exit 0 instead of an unhandled EPIPE stack trace.
 */
export function endQuietlyOnClosedPipe(stream: NodeJS.WriteStream, exit: (code: number) => void = (code) => process.exit(code)): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') exit(0);
    else throw error;
  });
}

/** Reads a file for a command; says why it cannot and returns undefined then. */
export async function readOrReport(file: string, io: CliIo): Promise<string | undefined> {
  try {
    return await io.readFile(file);
  } catch (error) {
    io.err(`${readError(file, error)}\n`);
    return undefined;
  }
}
