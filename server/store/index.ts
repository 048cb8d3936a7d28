/** The server's storage: flows as plain files, runs as a lowdb index plus one JSON-lines log per run. */
export { FlowsStore, InvalidFlowIdError, type FlowListEntry, type FlowReadResult } from './flows-store.ts';
export { RunsStore, type RecoveredLog, type RunsStoreOptions } from './runs-store.ts';
export { RunIndex, type RunIndexEntry } from './run-index.ts';
export { DataDirLockedError, acquireDataLock } from './data-lock.ts';
export { writeFileAtomic } from './atomic-write.ts';
