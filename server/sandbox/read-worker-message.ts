import { runMessageSchema, workerReplySchema, type RunMessage, type WorkerReply } from './worker-protocol.ts';

/**
 * The two messages on the hot path, read with the schemas of worker-protocol.ts: what they
 * accept, as fresh objects with only the known keys; anything else is undefined.
 *
 * Hand-written readers stood here to save zod's cost. Measured on 2026-12-06 (bench/README.md,
 * "Hand-written code"): a warm parse of either message is 0.3 to 0.4 us with zod, and process
 * CPU per code call (about 100 to 120 us back to back, 450 to 700 us spaced 3 ms apart) showed no
 * difference between the two beyond the noise, far from the 10 % that would keep them.
 */
export function readRunMessage(raw: unknown): RunMessage | undefined {
  return runMessageSchema.safeParse(raw).data;
}

export function readWorkerReply(raw: unknown): WorkerReply | undefined {
  return workerReplySchema.safeParse(raw).data;
}
