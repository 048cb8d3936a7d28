/**
 * A separate migrating process for the concurrency test (migrate.test.ts):
 * `node --import tsx migrate-process.ts <url> <migrations dir>` connects, prints "ready", waits
 * for a line on stdin (so that every process starts migrating at the same moment), migrates,
 * and prints the versions it applied as JSON. Exits 1 with the error on stderr if it failed.
 */
import { once } from 'node:events';
import pg from 'pg';
import { migrate, readMigrations } from '../migrate.ts';

const [url, directory] = process.argv.slice(2);
const client = new pg.Client({ connectionString: url });
try {
  const migrations = await readMigrations(directory);
  await client.connect();
  process.stdout.write('ready\n');
  await once(process.stdin, 'data');
  const applied = await migrate(client, migrations);
  process.stdout.write(`${JSON.stringify(applied)}\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await client.end().catch(() => undefined);
  process.stdin.destroy();
}
