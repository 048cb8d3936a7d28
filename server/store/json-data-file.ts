/**
 * A small JSON file in the data directory checked with a zod schema on read (a damaged file is a
 * clear error naming the file and the path, never a crash or a silently empty store) and written
 * atomically (atomic-write.ts). Used by the API keys and the idempotency entries.
 */
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { parseJsonText } from '../../shared/json-text.ts';
import { formatPath } from '../../shared/validate.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { unlessMissing } from './unless-missing.ts';

export async function readJsonDataFile<T extends z.ZodType>(path: string, schema: T): Promise<z.output<T> | undefined> {
  const text = await unlessMissing(readFile(path, 'utf8'));
  if (text === undefined) return undefined;
  const json = parseJsonText(text);
  if (!json.ok) throw new Error(`${path} is damaged: ${json.message}`);
  const parsed = schema.safeParse(json.value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${path} is damaged: ${formatPath(issue.path) || 'the file'}: ${issue.message}`);
  }
  return parsed.data;
}

export function writeJsonDataFile(path: string, data: unknown): Promise<void> {
  return writeFileAtomic(path, `${JSON.stringify(data, null, 2)}\n`);
}
