#!/usr/bin/env node
// `npm test`: type-checking, the unit and integration suites (vitest), and the browser suite
// (Playwright in Debian's Chromium), each run in turn; the last line totals them all as
// "N passed, N failed". Exits non-zero when anything failed.
//
// The database suite (vitest files using server/store/postgres/testing/test-database.ts) runs when
// PostgreSQL answers at WEFT_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
// When it does not: with CI=true that is a failure; elsewhere a line says the suite was not run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { databaseVerdict } from './database-verdict.mjs';

const results = [];
mkdirSync('test-results', { recursive: true });

function run(command, args, env = {}) {
  const started = Date.now();
  const child = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return { status: child.status ?? 1, seconds: ((Date.now() - started) / 1000).toFixed(1) };
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

console.log('\n== database (PostgreSQL) ==');
const database = await databaseVerdict();
console.log(database.line);
if (database.failed) results.push({ suite: 'database', passed: 0, failed: 1, seconds: '0.0', note: 'PostgreSQL not reachable under CI=true' });

console.log('\n== typecheck (tsc --noEmit) ==');
const typecheck = run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']);
results.push({ suite: 'typecheck', passed: typecheck.status === 0 ? 1 : 0, failed: typecheck.status === 0 ? 0 : 1, seconds: typecheck.seconds });

console.log('\n== unit and integration (vitest) ==');
rmSync('test-results/unit.json', { force: true });
const unit = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=test-results/unit.json']);
const unitReport = readJson('test-results/unit.json');
if (unitReport) {
  const failedToLoad = (unitReport.testResults ?? []).filter((file) => file.status === 'failed' && (file.assertionResults ?? []).length === 0).length;
  results.push({ suite: 'vitest', passed: unitReport.numPassedTests, failed: unitReport.numFailedTests + failedToLoad, seconds: unit.seconds });
} else {
  results.push({ suite: 'vitest', passed: 0, failed: 1, seconds: unit.seconds, note: 'no report' });
}

// Server suites that do not look at files on disk run a second time with the runs and flows in
// PostgreSQL (server/testing/test-server.ts gives each server a fresh database of its own).
const SERVER_SUITES_ON_POSTGRES = ['server/http/runs-routes.test.ts', 'server/decision-consistency.test.ts', 'server/run-limits.test.ts', 'server/secrets.test.ts', 'server/http/wire-contract.test.ts', 'server/ws/event-sending.test.ts', 'server/kind-extension.test.ts'];
if (database.runs) {
  console.log('\n== server suites on the PostgreSQL store (vitest, WEFT_TEST_STORE=postgres) ==');
  rmSync('test-results/unit-postgres.json', { force: true });
  const onPostgres = run('npx', ['vitest', 'run', ...SERVER_SUITES_ON_POSTGRES, '--reporter=default', '--reporter=json', '--outputFile.json=test-results/unit-postgres.json'], { WEFT_TEST_STORE: 'postgres' });
  const report = readJson('test-results/unit-postgres.json');
  results.push(report ? { suite: 'vitest (pg)', passed: report.numPassedTests, failed: report.numFailedTests, seconds: onPostgres.seconds } : { suite: 'vitest (pg)', passed: 0, failed: 1, seconds: onPostgres.seconds, note: 'no report' });
}

const hasE2e = existsSync('e2e') && readdirSync('e2e', { recursive: true }).some((name) => String(name).endsWith('.spec.ts'));
if (hasE2e) {
  console.log('\n== browser (Playwright, Chromium) ==');
  rmSync('test-results/e2e.json', { force: true });
  const e2e = run('npx', ['playwright', 'test', '--reporter=list,json'], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: 'test-results/e2e.json',
    PLAYWRIGHT_JSON_OUTPUT_FILE: 'test-results/e2e.json',
  });
  const report = readJson('test-results/e2e.json');
  if (report?.stats) {
    const { expected = 0, unexpected = 0, flaky = 0 } = report.stats;
    const broken = e2e.status !== 0 && unexpected === 0 ? 1 : 0;
    results.push({ suite: 'playwright', passed: expected + flaky, failed: unexpected + broken, seconds: e2e.seconds });
  } else {
    results.push({ suite: 'playwright', passed: 0, failed: 1, seconds: e2e.seconds, note: 'no report' });
  }
}

console.log('\n== summary ==');
for (const result of results) {
  console.log(`${result.suite.padEnd(12)} ${String(result.passed).padStart(4)} passed ${String(result.failed).padStart(4)} failed  ${result.seconds}s${result.note ? `  (${result.note})` : ''}`);
}
console.log(`database suite: ${database.note}`);
const passed = results.reduce((sum, result) => sum + result.passed, 0);
const failed = results.reduce((sum, result) => sum + result.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
