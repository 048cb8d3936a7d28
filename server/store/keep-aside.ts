/**
 * A damaged data file is never silently replaced: it is renamed to `<name>.corrupt-<time>` next to
 * where it was, so a person can look at it, and the caller reports where it went.
 */
import { copyFile, rename } from 'node:fs/promises';

function stamp(now = new Date()): string {
  return now.toISOString().replace(/[:.]/g, '-');
}

export function asidePathFor(path: string, now = new Date()): string {
  return `${path}.corrupt-${stamp(now)}`;
}

/** Moves the file aside; returns the new path. */
export async function moveAside(path: string): Promise<string> {
  const aside = asidePathFor(path);
  await rename(path, aside);
  return aside;
}

/** Copies the file aside (the caller goes on to repair the original); returns the copy's path. */
export async function copyAside(path: string): Promise<string> {
  const aside = asidePathFor(path);
  await copyFile(path, aside);
  return aside;
}
