// Whether the database suite can run: asks PostgreSQL at WEFT_TEST_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/postgres, the admin connection the tests use to create their
// databases) and says what that means. Used by scripts/test-all.mjs; run alone it prints the
// verdict and exits 1 when the suite cannot run under CI=true.
import { pathToFileURL } from 'node:url';
import pg from 'pg';

/** `{ reachable, target, reason? }`; the target is host:port, never the password. */
export async function probeDatabase(url = process.env.WEFT_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres') {
  let target = '(an unparsable WEFT_TEST_DATABASE_URL)';
  try {
    const parsed = new URL(url);
    target = `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}`;
  } catch {}
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { reachable: true, target };
  } catch (error) {
    return { reachable: false, target, reason: error?.code || error?.message || String(error) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** `{ runs, failed, line, note }`: the line to print now, the note for the summary. */
export async function databaseVerdict(env = process.env) {
  const database = await probeDatabase(env.WEFT_TEST_DATABASE_URL || undefined);
  if (database.reachable) {
    return { runs: true, failed: false, line: `PostgreSQL answers at ${database.target}: the database suite runs.`, note: `run against PostgreSQL at ${database.target}, each test file in its own fresh database` };
  }
  const why = `PostgreSQL is not reachable at ${database.target} (${database.reason})`;
  if (env.CI === 'true') {
    return { runs: false, failed: true, line: `FAILED: CI=true, but ${why}; the database suite must run in CI.`, note: `NOT RUN: ${why}, and CI=true requires it` };
  }
  return { runs: false, failed: false, line: `THE DATABASE SUITE IS NOT RUN: ${why}. Its tests are skipped; start PostgreSQL to run them.`, note: `NOT RUN: ${why}` };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const verdict = await databaseVerdict();
  console.log(verdict.line);
  process.exitCode = verdict.failed ? 1 : 0;
}
