#!/usr/bin/env node
/**
 * Starts the real Weft server for the Playwright suite: a fresh temp copy of flows/, an empty data
 * directory, the client built with Vite, and no OPENAI_API_KEY (models use the simulated endpoint).
 *
 * Env: PORT (required), WEFT_E2E_DIR (the temp root; flows/ data/ dist/ go under it).
 * Uses `bin/start.mjs` when the repository has it, else the server's own command-line entry.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const port = process.env.PORT;
const root = process.env.WEFT_E2E_DIR;
if (!port || !root) {
  console.error('start-server: set PORT and WEFT_E2E_DIR');
  process.exit(2);
}

const flowsDir = join(root, 'flows');
const dataDir = join(root, 'data');
const distDir = join(root, 'dist');
rmSync(flowsDir, { recursive: true, force: true });
rmSync(dataDir, { recursive: true, force: true });
mkdirSync(flowsDir, { recursive: true });
mkdirSync(dataDir, { recursive: true });
for (const name of readdirSync(join(repo, 'flows'))) {
  if (name.endsWith('.json')) cpSync(join(repo, 'flows', name), join(flowsDir, name));
}

function run(command, args, env) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: repo, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolvePromise() : reject(new Error(`${args.join(' ')} exited with ${code}`))));
  });
}

// Build the client into the temp root, so a concurrent `npm start` in the repository is not disturbed.
await run(process.execPath, [join(repo, 'node_modules/vite/bin/vite.js'), 'build', '--outDir', distDir, '--emptyOutDir', '--logLevel', 'warn'], process.env);

const env = { ...process.env, PORT: port, HOST: '127.0.0.1', WEFT_FLOWS_DIR: flowsDir, WEFT_DATA_DIR: dataDir, WEFT_DIST_DIR: distDir };
delete env.OPENAI_API_KEY;
delete env.OPENAI_BASE_URL;

// The server's own entry: `node bin/start.mjs` once the repository has it, else `node --import tsx server/main.ts`.
const startScript = join(repo, 'bin/start.mjs');
const args = existsSync(startScript) ? [startScript] : ['--import', 'tsx', join(repo, 'server/main.ts')];
const child = spawn(process.execPath, args, { cwd: repo, env, stdio: 'inherit' });
const stop = () => child.kill('SIGTERM');
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
child.on('exit', (code, signal) => {
  // The temp copies are only for this run of the suite.
  rmSync(root, { recursive: true, force: true });
  process.exit(code ?? (signal ? 1 : 0));
});
