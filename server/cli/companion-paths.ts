import { dirname, join } from 'node:path';

/** Where a flow's evaluation cases and model recordings live: beside its file, named by its id. */
export function companionPaths(flowFile: string, flowId: string): { cases: string; recordings: string } {
  const directory = dirname(flowFile);
  return { cases: join(directory, `${flowId}.cases.jsonl`), recordings: join(directory, `${flowId}.recordings.jsonl`) };
}
