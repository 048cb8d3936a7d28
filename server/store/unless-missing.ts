/**
 * A file operation's result, or undefined when the file (or directory) is not there (ENOENT);
 * every other failure is thrown. The one place the store says "missing is not an error".
 */
export async function unlessMissing<T>(work: Promise<T>): Promise<T | undefined> {
  try {
    return await work;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
