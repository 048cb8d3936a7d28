/**
 * Caps on what one run may write to its log: a number of events and a number of bytes. They
 * bound what a small flow or request can amplify into (a console flood, a large input copied
 * into every step's events). Past either, the run is stopped and fails with `run-too-large`; what
 * it wrote stays in its log, readable.
 */
import type { RunEvent, StepError } from '../shared/events.ts';

export interface RunLimits {
  /** Events per run (WEFT_MAX_RUN_EVENTS). */
  maxEvents: number;
  /** Bytes of a run's log (WEFT_MAX_RUN_BYTES). */
  maxBytes: number;
}

export const DEFAULT_RUN_LIMITS: RunLimits = { maxEvents: 100_000, maxBytes: 64 * 1024 * 1024 };
export const RUN_TOO_LARGE_CODE = 'run-too-large';

/** The error that stops the run when `event` (with the log at `bytes`) went past a limit. */
export function exceededRunLimit(event: RunEvent, bytes: number, limits: RunLimits): StepError | undefined {
  let what: string | undefined;
  if (event.seq > limits.maxEvents) what = `more than ${limits.maxEvents} events (the limit per run, WEFT_MAX_RUN_EVENTS)`;
  else if (bytes > limits.maxBytes) what = `more than ${limits.maxBytes} bytes${mebibytes(limits.maxBytes)} of events (the limit per run, WEFT_MAX_RUN_BYTES)`;
  if (what === undefined) return undefined;
  return { code: RUN_TOO_LARGE_CODE, message: `run ${event.runId} wrote ${what}; it was stopped at event ${event.seq}` };
}

function mebibytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? ` (${Number((bytes / (1024 * 1024)).toFixed(1))} MiB)` : '';
}
