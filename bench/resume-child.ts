/**
 * Child process of bench/persistence.ts. `prepare <dataDir> <n>`: starts a server on that data dir
 * and leaves n runs waiting at an approval. `time <dataDir> <n> <emptyDir>`: with the server
 * modules imported and one warm-up start done, times startServer on an empty dir, then on dataDir.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startServer, type RunningServer, type ServerRuntime } from '../server/main.ts';
import { executors } from '../server/executors/index.ts';
import { RunManager } from '../server/run-manager.ts';
import { RunsStore } from '../server/store/runs-store.ts';
import { approvalFlow } from './flows.ts';
import { sleep } from './temp.ts';

const [mode, dataDir, countText, emptyDir, secondCopy] = process.argv.slice(2) as [string, string, string, string | undefined, string | undefined];
const count = Number(countText);

async function start(dir: string, runtime?: ServerRuntime): Promise<RunningServer> {
  const flowsDir = join(dir, '..', `${dir.split('/').pop()}-flows`);
  await mkdir(flowsDir, { recursive: true });
  return startServer({
    env: {},
    cwd: flowsDir,
    config: { dataDir: dir, flowsDir, port: 0, host: '127.0.0.1', distDir: undefined },
    ...(runtime ? { runtime } : {}),
    log: () => undefined,
  });
}

const quietRuntime: ServerRuntime = { services: {}, simulated: true, publicInfo: () => ({ simulated: true, providers: [] }), close: async () => undefined };

try {
  if (mode === 'prepare') {
    const server = await start(dataDir, quietRuntime);
    const flow = approvalFlow();
    for (let i = 0; i < count; i += 100) {
      await Promise.all(Array.from({ length: Math.min(100, count - i) }, () => server.runs.start(flow, { value: 'please review' })));
    }
    const deadline = Date.now() + 60_000;
    while (server.runs.approvals().length < count && Date.now() < deadline) await sleep(20);
    await server.store.flush();
    const waiting = server.runs.approvals().length;
    await server.close();
    process.send!({ type: 'result', result: { prepared: waiting, resumeMs: 0, emptyMs: 0, live: 0, approvals: 0, rssMiB: 0, resumeAllMs: 0 } });
  } else {
    // Warm-up: loads every lazily imported module (runtime services, executors, estimate).
    const warm = await start(`${emptyDir}-warm`);
    await warm.close();
    let started = performance.now();
    const empty = await start(emptyDir!);
    const emptyMs = performance.now() - started;
    await empty.close();
    started = performance.now();
    const server = await start(dataDir);
    const resumeMs = performance.now() - started;
    const live = server.runs.liveRunIds().length;
    const approvals = server.runs.approvals().length;
    const rssMiB = process.memoryUsage().rss / 2 ** 20;
    await server.close();
    // The resume alone: the runs store and RunManager.resumeAll, no HTTP, sandbox or providers.
    started = performance.now();
    const store = await RunsStore.open({ dataDir: secondCopy!, log: () => undefined });
    const manager = new RunManager({ store, executors, services: {}, log: () => undefined });
    const outcome = await manager.resumeAll();
    const resumeAllMs = performance.now() - started;
    await store.close();
    if (outcome.resumed.length !== count) throw new Error(`resumeAll resumed ${outcome.resumed.length} runs`);
    process.send!({ type: 'result', result: { resumeMs, emptyMs, live, approvals, rssMiB, resumeAllMs } });
  }
} catch (error) {
  process.send!({ type: 'error', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
}
setTimeout(() => process.exit(0), 100);
