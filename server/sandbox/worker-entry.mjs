// Entry point of a sandbox worker thread. Plain JavaScript on purpose: it must load
// whether or not the parent process has a TypeScript loader (node --import tsx, vitest),
// so it registers tsx for this thread itself and then loads the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker-main.ts');
