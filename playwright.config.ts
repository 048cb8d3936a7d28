/**
 * Playwright drives Debian's Chromium against the real Weft server, started by
 * e2e/support/start-server.mjs on a free port with temp copies of flows/ and an empty data dir.
 */
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';

// Chosen once in the main process; workers inherit the environment, so they agree on it.
process.env.WEFT_E2E_PORT ??= execFileSync(process.execPath, ['-e', "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})"], { encoding: 'utf8' }).trim();
process.env.WEFT_E2E_DIR ??= join(tmpdir(), `weft-e2e-${process.env.WEFT_E2E_PORT}`);
const port = Number(process.env.WEFT_E2E_PORT);
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  timeout: 45_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  outputDir: 'test-results/artifacts',
  use: {
    baseURL,
    viewport: { width: 1440, height: 900 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    acceptDownloads: true,
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  webServer: {
    command: 'node e2e/support/start-server.mjs',
    url: `${baseURL}/api/health`,
    env: { PORT: String(port), WEFT_E2E_DIR: process.env.WEFT_E2E_DIR, OPENAI_API_KEY: '' },
    reuseExistingServer: false,
    // Lets the server flush its data and start-server.mjs remove its temp copies.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 5000 },
    timeout: 120_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
