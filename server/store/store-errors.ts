/**
 * Why the runs store could not record something. `StoreUnavailableError` is an operational fault
 * of the disk (full, read-only, failing): the API answers it with 503 and a message that names
 * the fault but no path. `UnrecordableEventError` is an event that cannot be turned into a log
 * line (it holds something JSON cannot write); the store itself is fine.
 */

/** The store could not write, or has not written since a write failed. */
export class StoreUnavailableError extends Error {
  /** The errno code of the failure (ENOSPC, EROFS, EIO, ...), when there was one. */
  readonly code: string | undefined;
  /** The fault in words when it was not the disk's (the database is away), for `describeStoreFault`. */
  readonly fault: string | undefined;

  constructor(message: string, code?: string, fault?: string) {
    super(message);
    this.name = 'StoreUnavailableError';
    this.code = code;
    this.fault = fault;
  }
}

export class UnrecordableEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnrecordableEventError';
  }
}

/**
 * Another process recorded the run's next event first (database mode: appends are conditional on
 * the run's last seq). The run is that process's now: this one stops working on it.
 */
export class RunConflictError extends Error {
  constructor(runId: string, seq: number) {
    super(`event ${seq} of run ${runId} was already recorded by another process; this process stops working on the run`);
    this.name = 'RunConflictError';
  }
}

/** Appends after `RunsStore.close` are refused: nothing may act on a record that is never written. */
export class StoreClosedError extends Error {
  constructor() {
    super('the runs store is closed');
    this.name = 'StoreClosedError';
  }
}

const FAULTS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EIO: 'the disk reported an I/O error',
  EACCES: 'the data directory may not be written',
  EPERM: 'the data directory may not be written',
  EMFILE: 'too many files are open',
  ENFILE: 'too many files are open',
};

/** A file-system failure as a sentence that names the fault and its code, never a path. */
export function describeStoreFault(error: unknown): string {
  if (error instanceof StoreUnavailableError && error.fault !== undefined) return error.fault;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return `${FAULTS[code] ?? 'a write to the data directory failed'} (${code})`;
  return 'a write to the data directory failed';
}

/** The 503 for a request that needs the store while it cannot write. */
export function storeUnavailable(error: unknown, what = 'nothing was changed'): StoreUnavailableError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const fault = error instanceof StoreUnavailableError ? error.fault : undefined;
  const place = fault === undefined ? 'the data directory can be written' : 'the database is back';
  return new StoreUnavailableError(`the run store cannot write: ${describeStoreFault(error)}; ${what}. Try again once ${place}`, typeof code === 'string' ? code : undefined, fault);
}
