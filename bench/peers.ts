/**
 * Beside a peer (`npm run bench -- --peers`): a chain of Node-RED function nodes against a chain
 * of Weft code steps doing the same work, in the same process and run. Node-RED is installed
 * into a temporary folder with npm, never into the project's dependencies; when that fails the
 * report says so and measures nothing.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Flow } from '../shared/flow.ts';
import type { ExecutorMap, SandboxService } from '../server/engine/index.ts';
import { passThroughExecutors, runOnce } from './engine-overhead.ts';
import { chainShape, codeNode, validated } from './flows.ts';
import { runStandalone } from './standalone.ts';
import { figure, notAvailable, type BenchContext, type BenchReport, type Figure } from './stats.ts';

export const id = 'peers';
export const title = 'Beside a peer: Node-RED function nodes vs Weft code steps';

const NODE_RED = 'node-red@4.1.8';
const STEPS = 20;
const SOURCE = 'export default (inputs) => ({ value: inputs.value })';
const FUNCTION_BODY = 'msg.payload = { value: msg.payload.value };\nreturn msg;';

const METHOD =
  `${NODE_RED} installed with npm into a temporary folder (npm install --prefix <tmp>, --ignore-scripts), embedded in the bench ` +
  `process (RED.init/RED.start, editor and HTTP off) with a flow of ${STEPS} function nodes in a chain, each \`${FUNCTION_BODY.replace('\n', ' ')}\`, ` +
  'and one more function node that hands the message back through functionGlobalContext; a message is injected with ' +
  `node.receive() and the chain run one message at a time; per node = wall time / ${STEPS}. Weft: a flow input -> ${STEPS} code ` +
  `steps (\`${SOURCE}\`) -> output run by the real engine with the real code executor over the default sandbox (in-process first), ` +
  `one run at a time; per step = wall time / ${STEPS}. Both warmed first, then measured in alternating rounds so load hits both alike.`;

type RunChain = () => Promise<void>;

async function install(folder: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', '--prefix', folder, NODE_RED],
      { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
      (error, _stdout, stderr) => resolve(error === null ? undefined : `${error.message.split('\n')[0]} ${stderr.split('\n').slice(-3).join(' ')}`.trim()),
    );
  });
}

/** Starts Node-RED from `folder` with the chain flow; returns a function running one message through it. */
async function startNodeRed(folder: string): Promise<{ runChain: RunChain; stop: () => Promise<void> }> {
  let finish: (() => void) | undefined;
  const nodes: object[] = [{ id: 'tab', type: 'tab', label: 'bench' }];
  for (let index = 1; index <= STEPS; index += 1) {
    nodes.push({ id: `f${index}`, type: 'function', z: 'tab', name: '', func: FUNCTION_BODY, outputs: 1, wires: [[index < STEPS ? `f${index + 1}` : 'done']] });
  }
  nodes.push({ id: 'done', type: 'function', z: 'tab', name: '', func: "global.get('weftDone')(msg);\nreturn null;", outputs: 1, wires: [[]] });
  writeFileSync(join(folder, 'flows.json'), JSON.stringify(nodes));
  const require = createRequire(join(folder, 'package.json'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RED = require('node-red') as {
    init(server: unknown, settings: object): void;
    start(): Promise<void>;
    stop(): Promise<void>;
    nodes: { getNode(id: string): { receive(msg: object): void } | null };
  };
  const server = createServer();
  RED.init(server, {
    userDir: folder,
    flowFile: 'flows.json',
    httpAdminRoot: false,
    httpNodeRoot: false,
    disableEditor: true,
    credentialSecret: false,
    logging: { console: { level: 'fatal', metrics: false, audit: false } },
    functionGlobalContext: { weftDone: () => finish?.() },
  });
  await RED.start();
  for (let attempt = 0; attempt < 600 && RED.nodes.getNode('f1') === null; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 50));
  const first = RED.nodes.getNode('f1');
  if (first === null) throw new Error('Node-RED did not start the flow');
  const runChain: RunChain = () =>
    new Promise<void>((resolve) => {
      finish = resolve;
      first.receive({ payload: { value: 'hello' } });
    });
  return { runChain, stop: () => RED.stop() };
}

export async function run(context: BenchContext): Promise<BenchReport> {
  const folder = mkdtempSync(join(tmpdir(), 'weft-peers-'));
  try {
    context.log(`  installing ${NODE_RED} into ${folder}`);
    const failure = await install(folder);
    if (failure !== undefined) return notAvailable(id, title, METHOD, `${NODE_RED} could not be installed, so the peer was not measured: ${failure.slice(0, 300)}`);
    const nodeRed = await startNodeRed(folder);
    const { createSandboxPool } = await import('../server/sandbox/create-sandbox.ts');
    const { codeExecutor } = await import('../server/executors/code.ts');
    // The default sandbox (in-process first), counting where the measured calls ran.
    const placements: Record<string, number> = {};
    let counting = false;
    const sandbox = createSandboxPool({
      onPlacement: (placement) => {
        if (counting) placements[placement] = (placements[placement] ?? 0) + 1;
      },
    });
    try {
      const service: SandboxService = {
        // As server/runtime-services.ts wires it: owner, queue and start callbacks included.
        run: (request, signal) =>
          sandbox.run(
            { source: request.source, language: request.language, inputs: request.inputs, limits: { timeoutMs: request.timeoutMs }, owner: request.owner, onQueued: request.onQueued, onStart: request.onStart },
            signal,
          ),
      };
      const executors = { ...passThroughExecutors(), code: codeExecutor } as unknown as ExecutorMap;
      const flow: Flow = validated('peer-chain', chainShape(STEPS, 'string', (nodeId, x, y) => codeNode(nodeId, x, y, 'string', SOURCE)));
      const weftChain: RunChain = async () => {
        const status = await runOnce(flow, executors, undefined, { sandbox: service });
        if (status !== 'succeeded') throw new Error(`code chain ${status}`);
      };
      const perStep = async (chain: RunChain, runs: number): Promise<number> => {
        const started = performance.now();
        for (let index = 0; index < runs; index += 1) await chain();
        return ((performance.now() - started) * 1000) / runs / STEPS;
      };
      const runs = context.quick ? 10 : 50;
      await perStep(nodeRed.runChain, runs);
      await perStep(weftChain, runs);
      const nodeRedValues: number[] = [];
      const weftValues: number[] = [];
      counting = true;
      for (let round = 0; round < (context.quick ? 3 : 10); round += 1) {
        nodeRedValues.push(await perStep(nodeRed.runChain, runs));
        weftValues.push(await perStep(weftChain, runs));
      }
      const nodeRedFigure = figure({ name: `Node-RED 4.1.8: chain of ${STEPS} function nodes`, unit: 'us/node', values: nodeRedValues });
      const peerMedian = nodeRedFigure.summary.median;
      const figures: Figure[] = [
        nodeRedFigure,
        figure({
          name: `Weft: chain of ${STEPS} code steps through the engine`,
          unit: 'us/step',
          values: weftValues,
          target: { op: '<=', value: peerMedian, text: `<= Node-RED in this run (${peerMedian.toFixed(1)} us)` },
        }),
        figure({ name: 'ratio Weft / Node-RED (per round)', unit: 'x', values: weftValues.map((value, index) => value / nodeRedValues[index]!) }),
      ];
      const where = Object.entries(placements).map(([placement, calls]) => `${calls} ${placement}`).join(', ');
      context.log(`  Node-RED ${peerMedian.toFixed(1)} us/node, Weft ${figures[1]!.summary.median.toFixed(1)} us/step (Weft's measured calls: ${where})`);
      return { id, title, method: METHOD, figures, findings: [`where Weft's measured code calls ran: ${where} (in-process: on the server's thread; moved: tried there, then run again in a worker; worker: sent to a worker untried)`] };
    } finally {
      await sandbox.close();
      await nodeRed.stop();
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

await runStandalone(import.meta.url, id, title, run);
