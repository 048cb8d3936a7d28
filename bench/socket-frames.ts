/**
 * Whether the hub's ready-made WebSocket frames (server/ws/event-frames.ts) still pay: server CPU
 * per model step with them and with `ws`'s own send (`eventSending: 'ws'`), at a realistic model
 * latency, with 1 and 10 clients following every run ("*", as each open browser tab does for its
 * approvals inbox). The frames stay while they save more than 10 % of the server's CPU.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { startChild, type Child } from './children.ts';
import { modelChainFlow } from './flows.ts';
import { allRuns, json, jsonRetryingDrops } from './http.ts';
import { processCpuMs } from './process-cpu.ts';
import { runStandalone } from './standalone.ts';
import { figure, notAvailable, tryImport, type BenchContext, type BenchReport, type Figure } from './stats.ts';
import { sleep, withTempDir } from './temp.ts';

export const id = 'socket-frames';
export const title = 'Live events: ready-made frames vs ws send';

const LATENCY_MS = 300;
const MODEL_STEPS = 8;
const PAYS_ABOVE = 0.1;
type Variant = 'frames' | 'ws';

const METHOD =
  `Flow: input -> ${MODEL_STEPS} model steps in a chain -> output, answered by bench/fixed-latency-openai.ts after ${LATENCY_MS} ms. ` +
  'The full Weft server in its own process (bench/server-child.ts), its hub sending live events as ready-made frames (default) or ' +
  "with ws's own send (wsEventSending: 'ws'); C WebSocket clients (in the benchmark's process) subscribe to \"*\" and so receive " +
  'every event of every run (about 7 per model step). Per sample: a fresh server, a warm-up batch, then N runs started at once. ' +
  'Figure: user + system CPU of the server process over the batch (/proc) divided by its model steps. Variants alternate.';

async function runBatch(url: string, count: number): Promise<void> {
  const ids = new Set(
    await Promise.all(
      Array.from({ length: count }, () => jsonRetryingDrops(`${url}/api/flows/bench-models/runs`, { method: 'POST', body: JSON.stringify({ inputs: { value: 'hello' } }) }).then((body: { runId: string }) => body.runId)),
    ),
  );
  const deadline = Date.now() + 120_000;
  for (;;) {
    const runs = await allRuns<{ runId: string; status: string; endedAt?: string }>(url, 'flowId=bench-models');
    const ended = runs.filter((run) => ids.has(run.runId) && run.endedAt !== undefined);
    if (ended.length === count) return;
    if (Date.now() > deadline) throw new Error(`only ${ended.length} of ${count} runs ended within 120 s`);
    await sleep(500);
  }
}

async function sample(baseURL: string, variant: Variant, clients: number, runs: number, warmRuns: number): Promise<{ perStep: number; messagesPerStep: number }> {
  return withTempDir('socket-frames', async (directory) => {
    const flowsDir = join(directory, 'flows');
    await mkdir(flowsDir, { recursive: true });
    const options = { dataDir: join(directory, 'data'), flowsDir, env: { OPENAI_API_KEY: 'bench-key', OPENAI_BASE_URL: baseURL }, sampleMemory: false, wsEventSending: variant };
    const server: Child = startChild(new URL('./server-child.ts', import.meta.url), [JSON.stringify(options)]);
    const sockets: WebSocket[] = [];
    try {
      const { url } = await server.next<{ url: string }>('ready', 60_000);
      await json(`${url}/api/flows/bench-models`, { method: 'PUT', body: JSON.stringify(modelChainFlow(MODEL_STEPS)) });
      let received = 0;
      for (let index = 0; index < clients; index++) {
        const socket = new WebSocket(`${url.replace('http:', 'ws:')}/ws`);
        await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
        socket.on('message', () => received++);
        socket.send(JSON.stringify({ type: 'subscribe', runId: '*' }));
        sockets.push(socket);
      }
      await runBatch(url, warmRuns);
      const before = processCpuMs(server.process.pid);
      const receivedBefore = received;
      await runBatch(url, runs);
      const after = processCpuMs(server.process.pid);
      if (before === undefined || after === undefined) throw new Error('no /proc: cannot read the server process CPU');
      return { perStep: ((after - before) * 1000) / (runs * MODEL_STEPS), messagesPerStep: (received - receivedBefore) / clients / (runs * MODEL_STEPS) };
    } finally {
      for (const socket of sockets) socket.terminate();
      await server.stop();
    }
  });
}

export async function run(context: BenchContext): Promise<BenchReport> {
  const main = await tryImport('../server/main.ts');
  if (!main.ok) return notAvailable(id, title, METHOD, `server/main.ts: ${main.reason}`);
  const runs = context.quick ? 100 : 200;
  const samples = context.quick ? 1 : 3;
  const modelServer = startChild(new URL('./fixed-latency-openai.ts', import.meta.url), ['--child', '--latency', String(LATENCY_MS)]);
  const figures: Figure[] = [];
  const findings: string[] = [];
  try {
    const { baseURL } = await modelServer.next<{ baseURL: string }>('listening', 30_000);
    for (const clients of [1, 10]) {
      const perStep: Record<Variant, number[]> = { frames: [], ws: [] };
      let messages = 0;
      for (let index = 0; index < samples; index++) {
        for (const variant of (index % 2 === 0 ? ['frames', 'ws'] : ['ws', 'frames']) as Variant[]) {
          const result = await sample(baseURL, variant, clients, runs, context.quick ? 5 : 20);
          perStep[variant].push(result.perStep);
          messages = result.messagesPerStep;
          context.log(`  ${clients} client(s), ${variant}: ${result.perStep.toFixed(0)} us server CPU per model step`);
        }
      }
      const savings = perStep.ws.map((wsValue, index) => ((wsValue - perStep.frames[index]!) / wsValue) * 100);
      const label = `${clients} client${clients === 1 ? '' : 's'}`;
      figures.push(
        figure({ name: `${label}: server CPU per model step, ready-made frames`, unit: 'us', values: perStep.frames }),
        figure({ name: `${label}: server CPU per model step, ws send`, unit: 'us', values: perStep.ws }),
        figure({ name: `${label}: server CPU saved by the frames`, unit: '%', values: savings, target: { op: '>=', value: PAYS_ABOVE * 100, text: `> ${PAYS_ABOVE * 100} %` } }),
      );
      findings.push(`${label}: about ${messages.toFixed(1)} event messages per client per model step`);
    }
    return { id, title, method: METHOD, figures, findings };
  } finally {
    await modelServer.stop();
  }
}

await runStandalone(import.meta.url, id, title, run);
