/**
 * Ids for new nodes and flows that satisfy the contract's pattern `^[a-z][a-z0-9-]{0,62}$`.
 */
import { isValidId } from '../../shared/ids.ts';

/** Turns any text into a valid id stem: lowercase, dashes for anything else, a letter first. */
export function slugify(text: string, fallback = 'node'): string {
  let slug = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!/^[a-z]/.test(slug)) slug = slug === '' ? fallback : `${fallback}-${slug}`;
  return slug.slice(0, 56).replace(/-+$/, '');
}

/** `model-3` -> `model`: the stem a copy is numbered from. */
export function idStem(id: string): string {
  const stem = id.replace(/-\d+$/, '');
  return stem === '' ? id : stem;
}

/** The first free `<stem>-<n>` (n from 1). */
export function nextId(stem: string, taken: ReadonlySet<string> | readonly string[]): string {
  const used = taken instanceof Set ? taken : new Set(taken as readonly string[]);
  const base = slugify(stem);
  for (let n = 1; ; n++) {
    const candidate = `${base}-${n}`;
    if (!used.has(candidate) && isValidId(candidate)) return candidate;
  }
}

/** A free id that is the stem itself when possible (flows: `untitled`, then `untitled-1`...). */
export function freeId(stem: string, taken: ReadonlySet<string> | readonly string[]): string {
  const used = taken instanceof Set ? taken : new Set(taken as readonly string[]);
  const base = slugify(stem, 'flow');
  return used.has(base) ? nextId(base, used) : base;
}
