/**
 * Cost records read straight from a data directory's run logs (`<dataDir>/runs/*.jsonl`), without
 * opening the store: `weft cost` and `weft run` read while a server may be running and holding the
 * store's lock.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { costRecordsOf, type CostRecord } from '../../shared/cost-records.ts';
import { parseEventLog } from '../store/event-log-text.ts';
import { LOG_SUFFIX } from '../store/run-log-files.ts';
import { RUNS_DIRECTORY_NAME } from '../store/runs-store.ts';

export async function readLogDirectoryRecords(dataDir: string, filter: { flowId?: string; since?: Date } = {}): Promise<CostRecord[]> {
  const directory = join(dataDir, RUNS_DIRECTORY_NAME);
  let names: string[];
  try {
    names = (await readdir(directory)).filter((name) => name.endsWith(LOG_SUFFIX));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const since = filter.since?.toISOString();
  const records: CostRecord[] = [];
  for (const name of names) {
    const runId = name.slice(0, -LOG_SUFFIX.length);
    const path = join(directory, name);
    // A log last written before `since` holds nothing from then on: with many old runs, only the recent ones are read.
    if (filter.since !== undefined && (await stat(path)).mtimeMs < filter.since.getTime()) continue;
    const parsed = parseEventLog(await readFile(path), runId);
    for (const record of costRecordsOf(parsed.events)) {
      if (filter.flowId !== undefined && record.flowId !== filter.flowId) continue;
      if (since !== undefined && record.at < since) continue;
      records.push(record);
    }
  }
  return records;
}
