import { createHash } from 'node:crypto';

/**
 * The id of the child run a step starts for an item (or for itself): derived, never random, so a
 * step that runs again after a restart asks for the same child and goes back to it. A hash keeps
 * it a valid run id (shared/ids.ts) however deeply runs nest.
 */
export function childRunId(parentRunId: string, nodeId: string, itemIndex?: number): string {
  const key = itemIndex === undefined ? `${parentRunId}/${nodeId}` : `${parentRunId}/${nodeId}/${itemIndex}`;
  return `run-c${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}
