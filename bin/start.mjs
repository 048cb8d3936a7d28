#!/usr/bin/env node
/**
 * `npm start`: builds the client with Vite when dist/ is missing or older than its sources, then
 * serves dist/ and the API on one port (default http://127.0.0.1:4317) and prints the URL.
 *
 * WEFT_DIST_DIR names another build directory (the e2e harness builds into a temp dir).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const distDir = resolve(process.env.WEFT_DIST_DIR ?? join(repo, 'dist'));
const builtIndex = join(distDir, 'index.html');
const clientSources = [join(repo, 'index.html'), join(repo, 'vite.config.ts'), join(repo, 'client'), join(repo, 'shared'), join(repo, 'package.json')];

/** Newest modification time under the given files and directories (ms), skipping tests. */
function newestMtime(paths) {
  let newest = 0;
  const visit = (path) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) if (name !== 'node_modules' && !name.startsWith('.')) visit(join(path, name));
    } else if (!/\.test\.tsx?$/.test(path)) {
      newest = Math.max(newest, stat.mtimeMs);
    }
  };
  paths.forEach(visit);
  return newest;
}

async function buildClientIfStale() {
  if (!existsSync(join(repo, 'index.html')) || !existsSync(join(repo, 'vite.config.ts'))) {
    console.log('weft: no client to build (index.html / vite.config.ts not found); serving the API only.');
    return;
  }
  if (existsSync(builtIndex) && statSync(builtIndex).mtimeMs >= newestMtime(clientSources)) return;
  console.log(`weft: building the client into ${distDir} ...`);
  const { build } = await import('vite');
  await build({ root: repo, configFile: join(repo, 'vite.config.ts'), logLevel: 'warn', build: { outDir: distDir, emptyOutDir: true } });
}

try {
  await buildClientIfStale();
} catch (error) {
  console.error(`weft: the client build failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
if (existsSync(builtIndex)) process.env.WEFT_DIST_DIR = distDir;

register();
const { startServer } = await import('../server/main.ts');
const { runFromCommandLine } = await import('../server/main-process.ts');
await runFromCommandLine(startServer);
