import { z } from 'zod';

export const ID_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;
export const ID_RULE = 'lowercase letter first, then up to 62 lowercase letters, digits or dashes';

export const idSchema = z.string().regex(ID_PATTERN, `an id must match ${ID_PATTERN.source} (${ID_RULE})`);

export function isValidId(value: string): boolean {
  return ID_PATTERN.test(value);
}
