/**
 * Whether Weft's own fetch for the openai SDK (server/providers/node-http-fetch.ts) still pays:
 * server CPU per model step with it and with undici's fetch over a keep-alive Agent
 * (`WEFT_MODEL_FETCH=undici`, server/providers/undici-fetch.ts), at a realistic model latency.
 * The own code stays while it saves more than 10 % of the server's CPU per model step.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startChild, type Child } from './children.ts';
import { modelChainFlow } from './flows.ts';
import { allRuns, json, jsonRetryingDrops } from './http.ts';
import { processCpuMs } from './process-cpu.ts';
import { runStandalone } from './standalone.ts';
import { collectGarbage, figure, notAvailable, tryImport, type BenchContext, type BenchReport } from './stats.ts';
import { sleep, withTempDir } from './temp.ts';

export const id = 'model-fetch';
export const title = 'Model requests: own fetch vs undici';

const LATENCY_MS = 300;
const MODEL_STEPS = 8;
/** The own code must save more than this share of the server's CPU per model step to stay. */
const PAYS_ABOVE = 0.1;
type Variant = 'node-http' | 'undici';

const METHOD =
  `Flow: input -> ${MODEL_STEPS} model steps in a chain -> output, answered by bench/fixed-latency-openai.ts after ${LATENCY_MS} ms ` +
  '(a realistic model latency: a short reply from a hosted model), streamed with usage. The full Weft server runs in its own ' +
  'process (bench/server-child.ts) with WEFT_MODEL_FETCH=node-http (the default, its own fetch) or undici (undici fetch + keep-alive ' +
  'Agent); each variant gets a fresh server per sample, a warm-up batch, then N runs started at once. Figure: user + system CPU of ' +
  'the server process over the batch (/proc, 10 ms ticks) divided by its model steps: everything the server does for a step (HTTP, ' +
  'runs, store, hub, engine, SDK). Variants alternate so load on the shared machine falls on both. Floor: after each pair, ' +
  'the same number of chains of bare streaming requests (undici request() + keep-alive Agent, same body shape with include_usage, ' +
  'every chunk read) from the bench process itself, its own CPU per request; the ratio is Weft (own fetch) / floor per sample. ' +
  'Just before the floor, the same chains through the openai SDK over the own fetch alone (no server around it), measured the same way: ' +
  'the part of a model step that is the SDK and the HTTP client. Both start after a full GC of the bench process (its own garbage from polling the runs is not theirs).';

/**
 * The floor: this process's CPU per bare streaming request made with undici alone (keep-alive
 * Agent) to the same model server, the same shape of load (`runs` chains of the flow's model
 * steps at once, each request one after the other), reading every chunk. Nothing Weft adds
 * (HTTP API, runs, store, events, engine, SDK) is in it.
 */
async function floorSample(baseURL: string, runs: number): Promise<number> {
  const { Agent, request } = await import('undici');
  const dispatcher = new Agent({ keepAliveTimeout: 10_000, connections: runs });
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }], stream: true, stream_options: { include_usage: true } });
  const url = `${baseURL.replace(/\/$/, '')}/chat/completions`;
  const chain = async (): Promise<void> => {
    for (let step = 0; step < MODEL_STEPS; step++) {
      const response = await request(url, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: 'Bearer bench-key' }, dispatcher });
      let text = '';
      for await (const chunk of response.body) text += String(chunk);
      if (!text.includes('[DONE]')) throw new Error('floor request: the stream did not end with [DONE]');
    }
  };
  try {
    return await cpuPerRequest(chain, runs);
  } finally {
    await dispatcher.close();
  }
}

/**
 * This process's CPU per request over `runs` chains of MODEL_STEPS requests at once, after a
 * warm-up of up to 20 chains and a full GC: the bench process's own garbage (the runs it polled
 * for) is not the measured requests'.
 */
async function cpuPerRequest(chain: () => Promise<void>, runs: number): Promise<number> {
  await Promise.all(Array.from({ length: Math.min(runs, 20) }, chain));
  collectGarbage();
  const before = process.cpuUsage();
  await Promise.all(Array.from({ length: runs }, chain));
  const cpu = process.cpuUsage(before);
  return (cpu.user + cpu.system) / (runs * MODEL_STEPS);
}

/**
 * The part of a model step that is the openai SDK and the HTTP client alone: this process's CPU per
 * streamed request made through the real SDK over Weft's own fetch (a client as
 * openai-model-service.ts builds it, a signal per request as a step passes one), same requests
 * and load as the floor, every chunk read. Nothing of the server around it (HTTP API, runs,
 * store, events, engine).
 */
async function sdkSample(baseURL: string, runs: number): Promise<number> {
  const { default: OpenAI } = await import('openai');
  const { createNodeHttpFetch } = await import('../server/providers/node-http-fetch.ts');
  const client = new OpenAI({ apiKey: 'bench-key', baseURL, fetch: createNodeHttpFetch() as typeof fetch, maxRetries: 2, adminAPIKey: null, webhookSecret: null, organization: null, project: null });
  const chain = async (): Promise<void> => {
    for (let step = 0; step < MODEL_STEPS; step++) {
      const body = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hello' }], stream: true as const, stream_options: { include_usage: true }, max_completion_tokens: 50 };
      const chunks = await client.chat.completions.create(body, { signal: new AbortController().signal, maxRetries: 2 });
      let usage = false;
      for await (const chunk of chunks) usage ||= chunk.usage !== undefined && chunk.usage !== null;
      if (!usage) throw new Error('SDK request: the stream ended without usage');
    }
  };
  return cpuPerRequest(chain, runs);
}

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
    if (ended.length === count) {
      const failed = ended.filter((run) => run.status !== 'succeeded').length;
      if (failed > 0) throw new Error(`${failed} of ${count} runs did not succeed`);
      return;
    }
    if (Date.now() > deadline) throw new Error(`only ${ended.length} of ${count} runs ended within 120 s`);
    await sleep(500);
  }
}

/** Server CPU per model step, in us, for one batch on a fresh server. */
async function sample(baseURL: string, variant: Variant, runs: number, warmRuns: number): Promise<number> {
  return withTempDir('model-fetch', async (directory) => {
    const flowsDir = join(directory, 'flows');
    await mkdir(flowsDir, { recursive: true });
    const env = { OPENAI_API_KEY: 'bench-key', OPENAI_BASE_URL: baseURL, WEFT_MODEL_FETCH: variant };
    const server: Child = startChild(new URL('./server-child.ts', import.meta.url), [JSON.stringify({ dataDir: join(directory, 'data'), flowsDir, env, sampleMemory: false })]);
    try {
      const { url } = await server.next<{ url: string }>('ready', 60_000);
      await json(`${url}/api/flows/bench-models`, { method: 'PUT', body: JSON.stringify(modelChainFlow(MODEL_STEPS)) });
      await runBatch(url, warmRuns);
      const before = processCpuMs(server.process.pid);
      await runBatch(url, runs);
      const after = processCpuMs(server.process.pid);
      if (before === undefined || after === undefined) throw new Error('no /proc: cannot read the server process CPU');
      return ((after - before) * 1000) / (runs * MODEL_STEPS);
    } finally {
      await server.stop();
    }
  });
}

export async function run(context: BenchContext): Promise<BenchReport> {
  const undici = await tryImport('undici');
  if (!undici.ok) return notAvailable(id, title, METHOD, `undici: ${undici.reason}`);
  const runs = context.quick ? 100 : 400;
  const samples = context.quick ? 1 : 3;
  const modelServer = startChild(new URL('./fixed-latency-openai.ts', import.meta.url), ['--child', '--latency', String(LATENCY_MS)]);
  try {
    const { baseURL } = await modelServer.next<{ baseURL: string }>('listening', 30_000);
    const perStep: Record<Variant, number[]> = { 'node-http': [], undici: [] };
    const floor: number[] = [];
    const sdkAlone: number[] = [];
    for (let index = 0; index < samples; index++) {
      const order: Variant[] = index % 2 === 0 ? ['node-http', 'undici'] : ['undici', 'node-http'];
      for (const variant of order) {
        const value = await sample(baseURL, variant, runs, context.quick ? 5 : 20);
        perStep[variant].push(value);
        context.log(`  ${variant}: ${value.toFixed(0)} us server CPU per model step (${runs} runs)`);
      }
      sdkAlone.push(await sdkSample(baseURL, runs));
      context.log(`  openai SDK + own fetch alone: ${sdkAlone.at(-1)!.toFixed(0)} us CPU per request`);
      floor.push(await floorSample(baseURL, runs));
      context.log(`  floor (bare undici streaming request): ${floor.at(-1)!.toFixed(0)} us CPU per request`);
    }
    const savings = perStep.undici.map((undiciValue, index) => (undiciValue - perStep['node-http'][index]!) / undiciValue);
    const median = [...savings].sort((a, b) => a - b)[Math.floor(savings.length / 2)]!;
    return {
      id,
      title,
      method: METHOD,
      figures: [
        figure({ name: `server CPU per model step, own fetch (${runs} runs)`, unit: 'us', values: perStep['node-http'] }),
        figure({ name: `server CPU per model step, undici fetch + Agent (${runs} runs)`, unit: 'us', values: perStep.undici }),
        figure({ name: `floor: bare undici streaming request, same server and load (${runs} x ${MODEL_STEPS})`, unit: 'us', values: floor }),
        figure({ name: `openai SDK + own fetch alone, same requests and load (${runs} x ${MODEL_STEPS})`, unit: 'us', values: sdkAlone }),
        figure({ name: 'openai SDK + own fetch alone / floor', unit: 'x', values: sdkAlone.map((value, index) => value / floor[index]!) }),
        figure({
          name: 'Weft server CPU per model step / floor',
          unit: 'x',
          values: perStep['node-http'].map((value, index) => value / floor[index]!),
          target: { op: '<=', value: 2, text: '<= 2x the bare request' },
        }),
        figure({
          name: 'server CPU saved by the own fetch',
          unit: '%',
          values: savings.map((saving) => saving * 100),
          target: { op: '>=', value: PAYS_ABOVE * 100, text: `> ${PAYS_ABOVE * 100} % (else it goes)` },
        }),
      ],
      findings: [
        median > PAYS_ABOVE
          ? `the own fetch saves ${(median * 100).toFixed(0)} % of the server's CPU per model step (median of paired samples): it stays`
          : `the own fetch saves only ${(median * 100).toFixed(0)} % of the server's CPU per model step (median): it no longer pays; use undici`,
      ],
    };
  } finally {
    await modelServer.stop();
  }
}

await runStandalone(import.meta.url, id, title, run);
