/** Temporary flows and data directories for one test file, removed afterwards. */
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDirs {
  root: string;
  flowsDir: string;
  dataDir: string;
  remove(): void;
}

export function makeTempDirs(prefix = 'weft-test-'): TempDirs {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const flowsDir = join(root, 'flows');
  const dataDir = join(root, 'data');
  mkdirSync(flowsDir);
  mkdirSync(dataDir);
  return { root, flowsDir, dataDir, remove: () => rmSync(root, { recursive: true, force: true }) };
}
