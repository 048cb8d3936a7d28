#!/usr/bin/env node
/**
 * `npm run dev`: the API server (restarted by `tsx watch` when server code changes) and the Vite
 * dev server with hot reload, which proxies /api and /ws to it (see vite.config.ts, WEFT_API_URL).
 *
 * PORT is the API's port (default 4317); VITE_PORT the dev server's (default 5173). Open the Vite URL.
 */
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const apiPort = process.env.PORT ?? '4317';
const vitePort = Number(process.env.VITE_PORT ?? 5173);
if (apiPort === '0') {
  console.error('weft dev: set PORT to a fixed port (the Vite proxy needs to know it)');
  process.exit(2);
}

// The dev server's own origins may call the API directly too (the proxy also rewrites Origin).
const devOrigins = [`http://127.0.0.1:${vitePort}`, `http://localhost:${vitePort}`];
const serverEnv = { ...process.env, PORT: apiPort, WEFT_ALLOWED_ORIGINS: [process.env.WEFT_ALLOWED_ORIGINS, ...devOrigins].filter(Boolean).join(',') };
const api = spawn(process.execPath, [join(repo, 'node_modules/tsx/dist/cli.mjs'), 'watch', '--clear-screen=false', 'server/main.ts'], { cwd: repo, env: serverEnv, stdio: ['ignore', 'pipe', 'inherit'] });
// Vite exits the process on SIGTERM by itself; whichever way this process ends, the API server
// (tsx watch relays the signal) shuts down gracefully and releases the data directory.
process.on('exit', () => {
  if (api.exitCode === null && api.signalCode === null) api.kill('SIGTERM');
});

const apiUrl = await new Promise((resolveUrl, reject) => {
  let output = '';
  api.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    output += chunk.toString();
    const match = /Weft is running at (http:\/\/\S+)/.exec(output);
    if (match) resolveUrl(match[1]);
  });
  api.once('exit', (code) => reject(new Error(`the API server exited (${code}) before it started`)));
}).catch((error) => {
  console.error(`weft dev: ${error.message}`);
  process.exit(1);
});

process.env.WEFT_API_URL = apiUrl;
const { createServer } = await import('vite');
const vite = await createServer({ root: repo, configFile: join(repo, 'vite.config.ts'), server: { port: vitePort, host: '127.0.0.1' } });
await vite.listen();
const url = vite.resolvedUrls?.local[0] ?? `http://127.0.0.1:${vitePort}/`;
console.log(`\nWeft (dev) is running at ${url}  (API at ${apiUrl}, hot reload on)`);

let stopping = false;
async function stop() {
  if (stopping) process.exit(1);
  stopping = true;
  await vite.close().catch(() => undefined);
  if (api.exitCode === null) {
    api.kill('SIGTERM');
    await new Promise((done) => api.once('exit', done));
  }
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
api.on('exit', (code) => {
  if (!stopping) {
    console.error(`weft dev: the API server exited (${code})`);
    void stop();
  }
});
