/** Where the CLI writes: injectable so tests can capture it without spawning a process. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  readFile: (path: string) => Promise<string>;
  writeFile: (path: string, text: string) => Promise<void>;
  env: Record<string, string | undefined>;
}

export const EXIT = { ok: 0, failed: 1, invalid: 2, waiting: 3 } as const;

/** Reads a file for a command; says why it cannot and returns undefined then. */
export async function readOrReport(file: string, io: CliIo): Promise<string | undefined> {
  try {
    return await io.readFile(file);
  } catch (error) {
    io.err(`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}\n`);
    return undefined;
  }
}
