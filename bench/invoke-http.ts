/**
 * A flow invoked over HTTP the way an application calls it: POST /api/flows/:id/invoke, waiting
 * for the answer, from 16 callers at once. Latency per call and calls per second; n8n's figure for
 * the same shape is printed beside it as a reference (measured earlier on this machine, not here).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startChild, type Child } from './children.ts';
import { chainShape, validated } from './flows.ts';
import { json } from './http.ts';
import { runStandalone } from './standalone.ts';
import { figure, notAvailable, percentile, tryImport, type BenchContext, type BenchReport } from './stats.ts';
import { withTempDir } from './temp.ts';

export const id = 'invoke-http';
export const title = 'A flow of 10 code steps invoked over HTTP';

const STEPS = 10;
const CALLERS = 16;
/** n8n 2.8.4, a workflow of 10 Code nodes behind a webhook, 16 callers (issue 19; not measured by this run). */
const N8N_REFERENCE = { p50Ms: 31, requestsPerSecond: 51 };

const METHOD =
  `The Weft server in its own process (bench/server-child.ts) with its real executors: code steps run in the QuickJS sandbox ` +
  `(in-process first, as by default). Flow: input -> ${STEPS} code steps (each \`export default (inputs) => inputs\`) -> output, saved with PUT. ` +
  `${CALLERS} callers in the bench process, each calling POST /api/flows/:id/invoke {inputs} and waiting for the 200 answer ` +
  '(the run ended, outputs in the body) before its next call, over keep-alive HTTP/1.1 (node:http). A warm-up period, then a measured ' +
  'period: latency = each call from request to whole answer, p50 / p99; requests/s = answered calls / measured seconds. Every ' +
  'run is a real run: stored (fsync per batch), indexed, broadcast. n8n 2.8.4 measured the same shape on this machine earlier ' +
  `(${N8N_REFERENCE.p50Ms} ms p50, ${N8N_REFERENCE.requestsPerSecond} requests/s, issue 19): shown as a reference, not measured by this run.`;

interface InvokeAnswer {
  status?: string;
  outputs?: { value?: unknown };
}

async function callers(url: string, untilMs: number, latencies: number[]): Promise<number> {
  let answered = 0;
  const body = JSON.stringify({ inputs: { value: 'hello' } });
  const caller = async (index: number): Promise<void> => {
    while (performance.now() < untilMs) {
      const started = performance.now();
      const answer = (await json(`${url}/api/flows/bench-invoke/invoke`, { method: 'POST', body })) as InvokeAnswer;
      if (answer.status !== 'succeeded' || answer.outputs?.value !== 'hello') throw new Error(`caller ${index}: unexpected answer ${JSON.stringify(answer).slice(0, 200)}`);
      latencies.push(performance.now() - started);
      answered++;
    }
  };
  await Promise.all(Array.from({ length: CALLERS }, (_, index) => caller(index)));
  return answered;
}

export async function run(context: BenchContext): Promise<BenchReport> {
  const main = await tryImport('../server/main.ts');
  if (!main.ok) return notAvailable(id, title, METHOD, `server/main.ts: ${main.reason}`);
  const warmMs = context.quick ? 1_000 : 3_000;
  const measureMs = context.quick ? 3_000 : 10_000;
  return withTempDir('invoke', async (directory) => {
    const flowsDir = join(directory, 'flows');
    await mkdir(flowsDir, { recursive: true });
    const server: Child = startChild(new URL('./server-child.ts', import.meta.url), [JSON.stringify({ dataDir: join(directory, 'data'), flowsDir, env: {}, sampleMemory: false })]);
    try {
      const { url } = await server.next<{ url: string }>('ready', 60_000);
      await json(`${url}/api/flows/bench-invoke`, { method: 'PUT', body: JSON.stringify(validated('bench-invoke', chainShape(STEPS))) });
      await callers(url, performance.now() + warmMs, []);
      const latencies: number[] = [];
      const started = performance.now();
      const answered = await callers(url, started + measureMs, latencies);
      const seconds = (performance.now() - started) / 1000;
      const perSecond = answered / seconds;
      context.log(`  ${answered} calls in ${seconds.toFixed(1)} s: p50 ${percentile(latencies, 50).toFixed(1)} ms, ${perSecond.toFixed(0)} requests/s`);
      return {
        id,
        title,
        method: METHOD,
        figures: [
          figure({
            name: `invoke, ${CALLERS} callers: latency per call`,
            unit: 'ms',
            values: latencies,
            spread: 'p50/p99',
            keepSamples: false,
            note: `${answered.toLocaleString('en-US')} calls; n8n 2.8.4 (reference, not from this run): ${N8N_REFERENCE.p50Ms} ms p50`,
          }),
          figure({
            name: `invoke, ${CALLERS} callers: requests per second`,
            unit: '/s',
            values: [perSecond],
            note: `over ${seconds.toFixed(1)} s; n8n 2.8.4 (reference, not from this run): ${N8N_REFERENCE.requestsPerSecond} requests/s`,
          }),
          figure({ name: 'n8n 2.8.4, same shape: latency p50 (reference, NOT from this run)', unit: 'ms', values: [N8N_REFERENCE.p50Ms] }),
          figure({ name: 'n8n 2.8.4, same shape: requests per second (reference, NOT from this run)', unit: '/s', values: [N8N_REFERENCE.requestsPerSecond] }),
        ],
        findings: [
          `Weft p50 ${percentile(latencies, 50).toFixed(1)} ms and ${perSecond.toFixed(0)} requests/s at ${CALLERS} callers; n8n 2.8.4 measured ${N8N_REFERENCE.p50Ms} ms and ${N8N_REFERENCE.requestsPerSecond} requests/s for the same shape on this machine earlier (issue 19), under a load this run did not share`,
        ],
      };
    } finally {
      await server.stop();
    }
  });
}

await runStandalone(import.meta.url, id, title, run);
