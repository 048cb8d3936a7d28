/**
 * A child process for the lock race test: tries to lock the data directory in argv[2] when its
 * stdin says "go", prints the outcome as one JSON line, and holds a lock it won until stdin ends.
 */
import { acquireDataLock, type DataLock } from '../data-lock.ts';

const directory = process.argv[2]!;
let lock: DataLock | undefined;
let started = false;
process.stdin.on('data', () => {
  if (started) return;
  started = true;
  acquireDataLock(directory).then(
    (held) => {
      lock = held;
      process.stdout.write(`${JSON.stringify({ pid: process.pid, won: true })}\n`);
    },
    (error: Error) => {
      process.stdout.write(`${JSON.stringify({ pid: process.pid, won: false, name: error.name, message: error.message })}\n`);
    },
  );
});
process.stdin.on('end', () => {
  lock?.releaseSync();
  process.exit(0);
});
process.stdout.write('ready\n');
