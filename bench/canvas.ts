/**
 * Canvas in headless Chromium: time to open flows of 100, 500, 1,000 and 2,000 nodes until every
 * node is drawn, and frames per second while panning and while a run updates every node.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Flow, FlowNode } from '../shared/flow.ts';
import { killTree, startChild, type Child } from './children.ts';
import { codeNode, inputNode, validated, type FlowShape } from './flows.ts';
import { json } from './http.ts';
import { runStandalone } from './standalone.ts';
import { figure, notAvailable, tryImport, type BenchContext, type BenchReport, type Figure } from './stats.ts';
import { sleep, withTempDir } from './temp.ts';

export const id = 'canvas';
export const title = 'Canvas in headless Chromium';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const VIEWPORT = { width: 1440, height: 900 };
const PACE_MS = 100;
const PROBE_MIN_NODE = { width: 240, height: 60 };
/** What a trace records (WEFT_BENCH_CANVAS_TRACE): the main thread's tasks and a JS sampling profile. */
const TRACE_CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'disabled-by-default-v8.cpu_profiler', 'v8.execute', 'blink.user_timing'];

const METHOD =
  `The client built with Vite into a temp dir, served by the real Weft server (own process, code steps replaced by a paced ` +
  `pass-through executor of ${PACE_MS} ms). Flows of N nodes (an input node feeding ~sqrt(N) parallel chains of code nodes, ` +
  `on a 320 x 200 px grid) are written canonically into the server's flows dir. Headless Chromium (${CHROMIUM}, ${CHROMIUM_ARGS.join(' ')}), ` +
  `viewport ${VIEWPORT.width}x${VIEWPORT.height}, a fresh page per sample. Open: page.goto("/?flow=<id>") and, in the page, a ` +
  'requestAnimationFrame loop from navigation start that stops at the first frame where the whole framed view is drawn: the canvas ' +
  'has framed the flow (its data-framed attribute, set when the opening fitView resolves), every node of the flow whose box ' +
  'intersects the visible pane (box from the flow file\'s position and the node\'s DOM size, or at least ' +
  `${PROBE_MIN_NODE.width} x ${PROBE_MIN_NODE.height} px when it is not in the DOM; viewport from the pane's transform) is in the DOM ` +
  'and measured (not hidden), and at least as many wires are drawn as the flow has wires touching those nodes. The canvas ' +
  'renders only the nodes and wires in view (React Flow onlyRenderVisibleElements), so nodes outside the view are not in the ' +
  'DOM; the number in view is in the notes. The time is that frame\'s performance.now() (ms since navigation start). ' +
  'FPS: frames counted by a rAF loop, (frames - 1) / time between first and last. Panning: a left-button ' +
  'drag on an empty spot of the pane, back and forth in 8 px moves for ~3 s (1 s with --quick). Run: the Run button, the input filled, submit; ' +
  'frames counted from submit until the run panel says Succeeded (or a 20 s window, 2 s with --quick); every node goes through ' +
  'running and done. Opening is capped at 45 s (with --quick: 15 s for 100 nodes, 4 s for 2,000): a flow not drawn by then is reported at the cap, as a miss.';

type Playwright = typeof import('playwright-core');

/** input -> `chains` parallel chains of code nodes: `nodes` nodes in all. */
export function canvasFlowShape(nodes: number): FlowShape {
  const chains = Math.max(1, Math.round(Math.sqrt(nodes - 1)));
  const list: FlowNode[] = [inputNode('in', 0, Math.round(((chains - 1) * 200) / 2))];
  const edges: FlowShape['edges'] = [];
  const previous: string[] = Array.from({ length: chains }, () => 'in');
  for (let index = 0; index < nodes - 1; index++) {
    const chain = index % chains;
    const depth = Math.floor(index / chains) + 1;
    const nodeId = `c${chain}-${depth}`;
    list.push(codeNode(nodeId, depth * 320, chain * 200));
    edges.push({ from: `${previous[chain]}.value`, to: `${nodeId}.value` });
    previous[chain] = nodeId;
  }
  return { nodes: list, edges };
}

async function buildClient(directory: string, context: BenchContext): Promise<string> {
  const distDir = join(directory, 'dist');
  const vite = join(process.cwd(), 'node_modules/vite/bin/vite.js');
  const started = performance.now();
  await promisify(execFile)(process.execPath, [vite, 'build', '--outDir', distDir, '--emptyOutDir', '--logLevel', 'warn'], { cwd: process.cwd(), maxBuffer: 16 * 1024 * 1024 });
  context.log(`  client built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return distDir;
}

/**
 * Installed before any page script: the draw probe and the frame counter. The probe knows the
 * flow's node positions and wires (the benchmark wrote the flow), so it can tell which nodes the
 * framed view shows without trusting the app's own culling.
 */
export function probeScript(flow: Flow): string {
  const layout = {
    nodes: flow.nodes.map((node) => [node.id, node.position.x, node.position.y]),
    edges: flow.edges.map((edge) => [edge.from.split('.')[0], edge.to.split('.')[0]]),
  };
  return `
(() => {
  const layout = ${JSON.stringify(layout)};
  // A node not in the DOM is taken to be at least this big (every node is at least 240 px wide and
  // taller than 60 px), so a node that may be in view is never left out of what must be drawn.
  const MIN_WIDTH = ${PROBE_MIN_NODE.width}, MIN_HEIGHT = ${PROBE_MIN_NODE.height};
  window.__drawnAt = undefined;
  window.__drawn = undefined;
  const check = () => {
    const canvas = document.querySelector('[data-testid="canvas"][data-framed]');
    const viewport = canvas && canvas.querySelector('.react-flow__viewport');
    const pane = canvas && canvas.querySelector('.react-flow__renderer');
    if (viewport && pane) {
      const matrix = new DOMMatrixReadOnly(getComputedStyle(viewport).transform);
      const zoom = matrix.a;
      const box = pane.getBoundingClientRect();
      const view = { x: -matrix.e / zoom, y: -matrix.f / zoom, width: box.width / zoom, height: box.height / zoom };
      const inDom = new Map();
      for (const element of canvas.querySelectorAll('.react-flow__node')) inDom.set(element.getAttribute('data-id'), element);
      const inView = new Set();
      let ready = true;
      for (const [id, x, y] of layout.nodes) {
        const element = inDom.get(id);
        const width = element ? Math.max(element.offsetWidth, MIN_WIDTH) : MIN_WIDTH;
        const height = element ? Math.max(element.offsetHeight, MIN_HEIGHT) : MIN_HEIGHT;
        if (x + width <= view.x || x >= view.x + view.width || y + height <= view.y || y >= view.y + view.height) continue;
        inView.add(id);
        if (!element || element.style.visibility === 'hidden') { ready = false; break; }
      }
      if (ready && inView.size > 0) {
        let wires = 0;
        for (const [from, to] of layout.edges) if (inView.has(from) || inView.has(to)) wires++;
        const drawnWires = canvas.querySelectorAll('.react-flow__edge').length;
        if (drawnWires >= wires) {
          window.__drawn = { inView: inView.size, wires, nodesInDom: inDom.size, zoom };
          window.__drawnAt = performance.now();
          return;
        }
      }
    }
    requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
  window.__frames = null;
  window.__startFrames = () => {
    const frames = [];
    window.__frames = frames;
    const tick = (time) => { if (window.__frames !== frames) return; frames.push(time); requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  };
  window.__stopFrames = () => {
    const frames = window.__frames || [];
    window.__frames = null;
    if (frames.length < 2) return { fps: 0, frames: frames.length, worstMs: 0 };
    let worst = 0;
    for (let i = 1; i < frames.length; i++) worst = Math.max(worst, frames[i] - frames[i - 1]);
    return { fps: (frames.length - 1) / ((frames[frames.length - 1] - frames[0]) / 1000), frames: frames.length, worstMs: worst };
  };
})();
`;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([promise.catch(() => undefined), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms))]);
}

/** How long the server takes to run the canvas flow: one paced step per chain link. */
function serverRunSeconds(size: number): string {
  const chains = Math.max(1, Math.round(Math.sqrt(size - 1)));
  return ((Math.ceil((size - 1) / chains) + 1) * PACE_MS / 1000).toFixed(1);
}

/** What the probe saw in the frame it called drawn. */
interface DrawnView {
  inView: number;
  wires: number;
  nodesInDom: number;
  zoom: number;
}

interface FrameStats {
  fps: number;
  frames: number;
  worstMs: number;
}


export async function run(context: BenchContext): Promise<BenchReport> {
  const playwright = await tryImport<Playwright>('playwright-core');
  if (!playwright.ok) return notAvailable(id, title, METHOD, `playwright-core: ${playwright.reason}`);
  if (!existsSync(CHROMIUM)) return notAvailable(id, title, METHOD, `${CHROMIUM} is not installed`);
  if (!existsSync(join(process.cwd(), 'client/main.tsx')) || !existsSync(join(process.cwd(), 'index.html'))) return notAvailable(id, title, METHOD, 'the client (client/main.tsx, index.html) is not there yet');
  const main = await tryImport('../server/main.ts');
  if (!main.ok) return notAvailable(id, title, METHOD, `server/main.ts: ${main.reason}`);

  const sizes = process.env.WEFT_BENCH_CANVAS_SIZES ? process.env.WEFT_BENCH_CANVAS_SIZES.split(',').map(Number) : context.quick ? [100, 2_000] : [100, 500, 1_000, 2_000];
  const openSamples = context.quick ? 1 : 3;
  // A flow not drawn by its cap is reported at the cap (as a miss) so the run stays bounded.
  const openCap = (size: number): number => (context.quick ? (size <= 100 ? 15_000 : 4_000) : 45_000);
  const runCapMs = context.quick ? 2_000 : 20_000;
  const panMs = context.quick ? 1_000 : 3_000;
  // A busy renderer answers close late; the browser is killed at the end anyway.
  const closeWaitMs = context.quick ? 1_000 : 5_000;
  const figures: Figure[] = [];
  const findings: string[] = [];
  await withTempDir('canvas', async (directory) => {
    const distDir = await buildClient(directory, context);
    const flowsDir = join(directory, 'flows');
    const dataDir = join(directory, 'data');
    await mkdir(flowsDir, { recursive: true });
    const { serializeFlow } = await import('../shared/canonical.ts');
    const flows = new Map<number, Flow>();
    for (const size of sizes) {
      const flow = validated(`canvas-${size}`, canvasFlowShape(size), `Canvas ${size} nodes`);
      flows.set(size, flow);
      await writeFile(join(flowsDir, `canvas-${size}.flow.json`), serializeFlow(flow));
    }
    const server: Child = startChild(new URL('./server-child.ts', import.meta.url), [JSON.stringify({ dataDir, flowsDir, distDir, env: {}, executors: 'paced', paceMs: PACE_MS })]);
    // launchServer, not launch: it hands over the browser's process, which is killed at the end
    // whatever state its renderers are in (Chromium runs in its own process group).
    const browserServer = await playwright.module.chromium.launchServer({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    const browser = await playwright.module.chromium.connect(browserServer.wsEndpoint());
    try {
      const { url } = await server.next<{ url: string }>('ready', 60_000);
      // Warm the server and Chromium once (a person opens the app, then a flow); --quick skips it.
      if (!context.quick) {
        const warmContext = await browser.newContext({ viewport: VIEWPORT });
        await warmContext.addInitScript(probeScript(flows.get(sizes[0]!)!));
        const page = await warmContext.newPage();
        await page.goto(`${url}/?flow=canvas-${sizes[0]}&expect=${sizes[0]}`);
        await page.waitForFunction(() => (window as unknown as { __drawnAt?: number }).__drawnAt !== undefined, undefined, { timeout: 60_000 });
        await withTimeout(warmContext.close(), 5_000);
      }
      for (const size of sizes) {
        // A context per size: its pages get their own renderer, which closing the context ends
        // even when a page is stuck in a long task.
        context.log(`  ${size} nodes: opening ...`);
        const browserContext = await browser.newContext({ viewport: VIEWPORT });
        await browserContext.addInitScript(probeScript(flows.get(size)!));
        const openCapMs = openCap(size);
        const openMs: number[] = [];
        let lastPage: import('playwright-core').Page | undefined;
        let drawnAll = true;
        let drawnView: DrawnView | undefined;
        for (let sample = 0; sample < openSamples; sample++) {
          await lastPage?.close();
          const page = await browserContext.newPage();
          lastPage = page;
          const openStarted = performance.now();
          await withTimeout(page.goto(`${url}/?flow=canvas-${size}&expect=${size}`, { waitUntil: 'commit' }), openCapMs);
          // Raced on this side too: Playwright's own timeout needs the page to answer, and a page
          // stuck in one long task does not.
          const left = Math.max(1, openCapMs - (performance.now() - openStarted));
          const drawn =
            (await withTimeout(
              page
                .waitForFunction(() => (window as unknown as { __drawnAt?: number }).__drawnAt !== undefined, undefined, { timeout: left, polling: 100 })
                .then(() => true)
                .catch(() => false),
              left + 500,
            )) ?? false;
          if (!drawn) {
            drawnAll = false;
            const seen = await withTimeout(
              page.evaluate(() => {
                const nodes = [...document.querySelectorAll<HTMLElement>('.react-flow__node')];
                const framed = document.querySelector('[data-testid="canvas"][data-framed]') !== null;
                return { present: nodes.length, visible: nodes.filter((node) => node.style.visibility !== 'hidden').length, framed };
              }),
              context.quick ? 1_000 : 5_000,
            );
            const what = seen
              ? `${seen.present.toLocaleString('en-US')} nodes in the DOM, ${seen.visible.toLocaleString('en-US')} of them measured; the view was ${seen.framed ? '' : 'not yet '}framed`
              : `the page did not answer within ${context.quick ? 1 : 5} s more (its main thread is busy)`;
            findings.push(`${size.toLocaleString('en-US')} nodes: not drawn within the ${openCapMs / 1000} s cap: ${what}`);
            openMs.push(Number.POSITIVE_INFINITY);
            break;
          }
          openMs.push(await page.evaluate(() => (window as unknown as { __drawnAt: number }).__drawnAt));
          drawnView = await page.evaluate(() => (window as unknown as { __drawn: DrawnView }).__drawn);
        }
        const shown = openMs.map((value) => (Number.isFinite(value) ? value : openCapMs));
        figures.push(
          figure({
            name: `${size.toLocaleString('en-US')} nodes: open until drawn${drawnAll ? '' : ` (not drawn: capped at ${openCapMs / 1000} s)`}`,
            unit: 'ms',
            values: shown,
            ...(size === 2_000 ? { target: { op: '<=', value: 2_000, text: '< 2 s' } as const } : {}),
            ...(drawnView
              ? { note: `framed at zoom ${drawnView.zoom.toFixed(2)}: ${drawnView.inView.toLocaleString('en-US')} of ${size.toLocaleString('en-US')} nodes in view (${drawnView.nodesInDom.toLocaleString('en-US')} in the DOM), ${drawnView.wires.toLocaleString('en-US')} wires touching them` }
              : {}),
          }),
        );
        context.log(`  ${size} nodes ${drawnAll ? 'drawn after' : 'NOT drawn within the cap; samples'} ${shown.map((value) => value.toFixed(0)).join(' / ')} ms`);
        if (!drawnAll) {
          figures.push(figure({ name: `${size.toLocaleString('en-US')} nodes: fps while panning (not measured: never drawn)`, unit: 'fps', values: [], ...(size === 2_000 ? { target: { op: '>=', value: 50, text: '>= 50 fps' } as const } : {}) }));
          await withTimeout(browserContext.close(), closeWaitMs);
          if (process.env.WEFT_BENCH_DEBUG) context.log('  [debug] context closed after a timeout');
          continue;
        }
        const page = lastPage!;
        await sleep(500);

        // ---- panning ----
        const spot = await page.evaluate(() => {
          const pane = document.querySelector('.react-flow__pane');
          if (!pane) return undefined;
          const box = pane.getBoundingClientRect();
          for (let y = box.top + 40; y < box.bottom - 40; y += 17) {
            for (let x = box.left + 40; x < box.right - 200; x += 23) {
              const element = document.elementFromPoint(x, y);
              if (element && element.classList.contains('react-flow__pane')) return { x, y };
            }
          }
          return undefined;
        });
        if (!spot) {
          findings.push(`${size} nodes: no empty spot of the pane to drag, panning not measured`);
        } else {
          const panStats: FrameStats[] = [];
          // WEFT_BENCH_CANVAS_TRACE=<dir>: a Chrome trace of the first panning round of each size, for profiling.
          const traceDir = process.env.WEFT_BENCH_CANVAS_TRACE;
          for (let round = 0; round < (context.quick ? 1 : 3); round++) {
            if (traceDir && round === 0) await browser.startTracing(page, { path: join(traceDir, `canvas-pan-${size}.json`), categories: TRACE_CATEGORIES });
            await page.mouse.move(spot.x, spot.y);
            await page.mouse.down();
            await page.evaluate(() => (window as unknown as { __startFrames: () => void }).__startFrames());
            const until = performance.now() + panMs;
            let x = spot.x;
            let direction = 1;
            while (performance.now() < until) {
              x += 8 * direction;
              if (Math.abs(x - spot.x) > 300) direction = -direction;
              await page.mouse.move(x, spot.y + (direction > 0 ? 1 : -1));
            }
            panStats.push(await page.evaluate(() => (window as unknown as { __stopFrames: () => FrameStats }).__stopFrames()));
            await page.mouse.up();
            if (traceDir && round === 0) await browser.stopTracing();
          }
          figures.push(
            figure({
              name: `${size.toLocaleString('en-US')} nodes: fps while panning`,
              unit: 'fps',
              values: panStats.map((stats) => stats.fps),
              ...(size === 2_000 ? { target: { op: '>=', value: 50, text: '>= 50 fps' } as const } : {}),
              note: `worst frame ${Math.max(...panStats.map((stats) => stats.worstMs)).toFixed(0)} ms`,
            }),
          );
          context.log(`  ${size} nodes: panning at ${panStats.map((stats) => stats.fps.toFixed(1)).join(' / ')} fps`);
        }

        // ---- a run updating every node ----
        try {
          const dbg = (what: string): void => {
            if (process.env.WEFT_BENCH_DEBUG) context.log(`  [debug] ${what}`);
          };
          dbg('run: click run');
          await page.getByTestId('run-button').click();
          dbg('run: fill');
          await page.getByTestId('run-input-value').fill('x');
          dbg('run: filled');
          const traceDir = process.env.WEFT_BENCH_CANVAS_TRACE;
          if (traceDir) await browser.startTracing(page, { path: join(traceDir, `canvas-run-${size}.json`), categories: TRACE_CATEGORIES });
          await page.evaluate(() => (window as unknown as { __startFrames: () => void }).__startFrames());
          const started = performance.now();
          await page.getByTestId('run-submit').click();
          const finished = await page
            .getByTestId('run-status')
            .filter({ hasText: 'Succeeded' })
            .waitFor({ timeout: runCapMs })
            .then(() => true)
            .catch(() => false);
          const runMs = performance.now() - started;
          dbg('run: window over');
          const stats = await page.evaluate(() => (window as unknown as { __stopFrames: () => FrameStats }).__stopFrames());
          if (traceDir) await browser.stopTracing();
          dbg('run: frames read');
          const shown = await page.evaluate(() => ({
            nodesDone: [...document.querySelectorAll('[data-testid^="node-status-"]')].filter((badge) => badge.textContent === 'done').length,
            nodesInDom: document.querySelectorAll('.react-flow__node').length,
            stepsDone: document.querySelectorAll('[data-testid^="run-step-"] .pill-succeeded').length,
          }));
          figures.push(
            figure({
              name: `${size.toLocaleString('en-US')} nodes: fps while a run updates every node`,
              unit: 'fps',
              values: [stats.fps],
              note: `${finished ? `run shown as succeeded after ${(runMs / 1000).toFixed(1)} s` : `run not shown as finished within the ${runCapMs / 1000} s window`} (the server finishes it in about ${serverRunSeconds(size)} s); worst frame ${stats.worstMs.toFixed(0)} ms; ${shown.nodesDone} of the ${shown.nodesInDom} nodes in the DOM (those in view) and ${shown.stepsDone} of ${size} steps in the run panel shown done`,
            }),
          );
          context.log(`  ${size} nodes: ${stats.fps.toFixed(1)} fps during a ${(runMs / 1000).toFixed(1)} s run`);
        } catch (error) {
          findings.push(`${size} nodes: the run could not be driven from the UI (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
        }
        await withTimeout(browserContext.close(), closeWaitMs);
        lastPage = undefined;
        await json(`${url}/api/health`);
      }
    } finally {
      const t0 = performance.now();
      const mark = (what: string): void => {
        if (process.env.WEFT_BENCH_DEBUG) context.log(`  [debug] ${what} at +${((performance.now() - t0) / 1000).toFixed(1)} s`);
      };
      await withTimeout(browser.close(), 5_000);
      mark('browser closed');
      const browserPid = browserServer.process().pid;
      if (browserPid !== undefined) killTree(browserPid);
      await withTimeout(browserServer.close(), 5_000);
      mark('browser server closed');
      await server.stop();
      mark('server stopped');
    }
  });
  return { id, title, method: METHOD, figures, findings };
}

await runStandalone(import.meta.url, id, title, run);
