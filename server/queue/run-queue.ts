/**
 * What the run manager needs from a queue of runs (database mode; server/queue/README of the
 * roles in README.md). With a queue, a process records a run's start (or a decision, or a cancel,
 * for a run it does not execute) and queues the run in the same transaction; a worker executes it
 * by resuming its stored log (RunManager.execute). Without one (file mode), runs execute where
 * they start, as always.
 */
import type { RunEvent } from '../../shared/events.ts';

export interface RunQueue {
  /**
   * Records events of a run this process does not execute, conditionally on the run's last stored
   * seq (RunConflictError when another process appended first), and in the same transaction
   * queues the run for a worker (or, after its end, lets go of its lease).
   */
  record(events: RunEvent[]): Promise<void>;
}

/** Why a run left the process executing it (RunManager.execute). */
export type Departure =
  | { why: 'ended' }
  /** Only waits are left: the lease and the job go; `deadline` is when the earliest wait answers itself. */
  | { why: 'waiting'; lastSeq: number; deadline?: string }
  /** Another process appended the run's next event (a decision or a cancel taken elsewhere). */
  | { why: 'conflict' }
  /** The lease was lost or this process is shutting down: the work stopped, nothing more is recorded. */
  | { why: 'stopped' }
  /** The run is already executing in this process (a second job for it). */
  | { why: 'here' };
