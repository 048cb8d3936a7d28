/**
 * The designer survives a dropped WebSocket mid-run: the page goes through a proxy that cuts the
 * connection while a model step streams and refuses new ones for a second; the client reconnects
 * by itself, subscribes with the last seq it saw, and the finished run on screen matches the
 * server's, with no event missed and none applied twice (the resubscribe-with-last-seq protocol of client/api/run-socket.ts).
 */
import { expect, test as base, type Page, type WebSocket } from '@playwright/test';
import { formatUsd } from '../shared/pricing.ts';
import { startCuttingProxy, type CuttingProxy } from './support/cutting-proxy.ts';
import { openFlow, shot } from './support/helpers.ts';

const test = base.extend<{ cuttingProxy: CuttingProxy }>({
  cuttingProxy: async ({ baseURL }, use) => {
    const proxy = await startCuttingProxy(baseURL!);
    await use(proxy);
    await proxy.close();
  },
  proxy: async ({ cuttingProxy }, use) => use({ server: cuttingProxy.url }),
});

const FLOW_ID = 'dropped-connection';
const NODE_IDS = ['question', 'draft', 'shape', 'review', 'summary', 'result'];
const OUTAGE_MS = 1_000;

/** 20 sections make the simulated reply about 1,500 characters: some 5 s of streaming at 6 characters per 20 ms. */
const SECTIONS = ['context', 'question_restated', 'assumptions', 'constraints', 'options', 'recommendation', 'risks', 'mitigations', 'dependencies', 'timeline', 'owners', 'costs', 'benefits', 'open_questions', 'next_steps', 'success_measures', 'rollback_plan', 'communication', 'review_date', 'summary'];

/** Input -> a long streamed JSON draft -> a code step that logs -> a person's approval -> a streamed summary -> output. */
const flow = {
  schemaVersion: 1,
  id: FLOW_ID,
  name: 'Dropped connection drill',
  description: 'A long streamed draft, a code step, an approval and a summary: long enough to cut the WebSocket mid-run.',
  settings: { budgetUsd: 0.05 },
  nodes: [
    { id: 'question', kind: 'input', label: 'Question', position: { x: 0, y: 120 }, config: { fields: [{ name: 'question', type: 'string' }] } },
    {
      id: 'draft',
      kind: 'model',
      label: 'Draft plan',
      position: { x: 300, y: 120 },
      config: {
        model: 'gpt-4.1-nano',
        prompt: 'Draft a rollout plan for: {{question}}',
        inputs: [{ name: 'question', type: 'string' }],
        output: {
          type: 'json',
          schema: { type: 'object', properties: Object.fromEntries(SECTIONS.map((name) => [name, { type: 'string' }])), required: SECTIONS, additionalProperties: false },
        },
        maxTokens: 4000,
      },
    },
    {
      id: 'shape',
      kind: 'code',
      label: 'Shape for review',
      position: { x: 600, y: 120 },
      config: {
        language: 'javascript',
        source: "export default function ({ draft }) {\n  const sections = Object.keys(draft).length;\n  console.log(`draft has ${sections} sections`);\n  return { payload: { sections, recommendation: draft.recommendation } };\n}\n",
        inputs: [{ name: 'draft', type: 'json' }],
        outputs: [{ name: 'payload', type: 'json' }],
      },
    },
    { id: 'review', kind: 'approval', label: 'Review', position: { x: 900, y: 120 }, config: { title: 'Publish this plan?' } },
    {
      id: 'summary',
      kind: 'model',
      label: 'Summary',
      position: { x: 1200, y: 120 },
      config: { model: 'gpt-4.1-mini', prompt: 'Summarise this approved plan in one paragraph: {{plan}}', inputs: [{ name: 'plan', type: 'json' }], maxTokens: 400 },
    },
    { id: 'result', kind: 'output', label: 'Result', position: { x: 1500, y: 120 }, config: { fields: [{ name: 'plan', type: 'json' }, { name: 'summary', type: 'string' }] } },
  ],
  edges: [
    { from: 'draft.result', to: 'result.plan' },
    { from: 'draft.result', to: 'shape.draft' },
    { from: 'question.question', to: 'draft.question' },
    { from: 'review.approved', to: 'summary.plan' },
    { from: 'shape.payload', to: 'review.payload' },
    { from: 'summary.result', to: 'result.summary' },
  ],
};

interface WireEvent {
  runId: string;
  seq: number;
  type: string;
  nodeId?: string;
  text?: string;
}
type ServerMessage = { type: 'event'; event: WireEvent } | { type: string; runId?: string; lastSeq?: number };
type ClientMessage = { type: string; runId?: string; after?: number };

/** What one page WebSocket carried, in order. */
interface SocketLog {
  socket: WebSocket;
  /** When the page created it (test clock). */
  openedAt: number;
  sent: ClientMessage[];
  received: ServerMessage[];
}

function recordSockets(page: Page): SocketLog[] {
  const logs: SocketLog[] = [];
  page.on('websocket', (socket) => {
    const log: SocketLog = { socket, openedAt: Date.now(), sent: [], received: [] };
    logs.push(log);
    socket.on('framesent', (frame) => log.sent.push(JSON.parse(String(frame.payload)) as ClientMessage));
    socket.on('framereceived', (frame) => log.received.push(JSON.parse(String(frame.payload)) as ServerMessage));
  });
  return logs;
}

function runEvents(log: SocketLog, runId: string): WireEvent[] {
  return log.received.flatMap((message) => (message.type === 'event' && 'event' in message && message.event.runId === runId ? [message.event] : []));
}

async function serverJson<T>(baseURL: string, path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(new URL(path, baseURL), init);
  expect(response.ok, `${init?.method ?? 'GET'} ${path}: ${response.status}`).toBe(true);
  return (await response.json()) as T;
}

interface ServerStep {
  status: string;
  text: string;
  costUsd: number | null;
  logs: Array<{ level: string; text: string }>;
}

test('a WebSocket dropped mid-run reconnects by itself and the run finishes on screen with no gap and no duplicate', async ({ page, baseURL, cuttingProxy }) => {
  // The server's own origin: the checks from the test go straight to it, not through the proxy.
  const server = baseURL!;
  await serverJson(server, `/api/flows/${FLOW_ID}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(flow) });

  const sockets = recordSockets(page);
  const eventFetches: Array<{ url: string; at: number }> = [];
  page.on('request', (request) => {
    if (/\/api\/runs\/[^/]+\/events/.test(request.url())) eventFetches.push({ url: request.url(), at: Date.now() });
  });

  await openFlow(page, FLOW_ID, NODE_IDS);
  await expect.poll(() => cuttingProxy.upgrades, { message: 'the page opened its WebSocket through the proxy' }).toBe(1);

  await page.getByTestId('run-button').click();
  await page.getByTestId('run-input-question').fill('moving the support team to the new ticket system');
  await page.getByTestId('run-submit').click();
  await expect(page).toHaveURL(/[?&]run=/);
  const runId = new URL(page.url()).searchParams.get('run')!;
  expect(runId).toBeTruthy();

  // Cut once the input step is done and the draft has started streaming.
  const first = sockets[0]!;
  await expect.poll(() => runEvents(first, runId).some((event) => event.type === 'step.delta' && event.nodeId === 'draft'), { timeout: 20_000 }).toBe(true);
  expect(runEvents(first, runId).some((event) => event.type === 'step.succeeded' && event.nodeId === 'question')).toBe(true);
  cuttingProxy.refuse();
  const cutAt = Date.now();
  expect(cuttingProxy.cutWebSockets(), 'one WebSocket was open to cut').toBe(1);
  // Frames are reported in order before the close, so once it is closed the log holds all it got.
  await expect.poll(() => first.socket.isClosed()).toBe(true);
  const seenBeforeCut = Math.max(...runEvents(first, runId).map((event) => event.seq));

  // The outage lasts until the page has said so, and at least OUTAGE_MS.
  await expect(page.getByText('Reconnecting…')).toBeVisible();
  await expect(page.getByTestId('node-status-draft')).toHaveText('running');
  await shot(page, 'dropped-connection-reconnecting');
  await page.waitForTimeout(Math.max(0, cutAt + OUTAGE_MS - Date.now()));
  cuttingProxy.allow();

  // The client comes back by itself once the proxy lets it.
  await expect.poll(() => cuttingProxy.upgrades, { message: 'the client opened a second WebSocket', timeout: 15_000 }).toBe(2);
  expect(Date.now() - cutAt).toBeGreaterThanOrEqual(OUTAGE_MS);
  await expect(page.getByText('Reconnecting…')).toHaveCount(0);
  // Attempts made during the outage show up as page WebSockets that never carried a frame.
  expect(sockets).toHaveLength(2 + cuttingProxy.refused);
  for (const refused of sockets.slice(1, -1)) expect(refused.sent.length + refused.received.length).toBe(0);
  const second = sockets.at(-1)!;
  await expect.poll(() => second.sent.find((message) => message.type === 'subscribe' && message.runId === runId)).toBeTruthy();
  const resubscribe = second.sent.find((message) => message.type === 'subscribe' && message.runId === runId)!;
  expect(resubscribe.after, 'the resubscribe carries the last seq the page saw').toBe(seenBeforeCut);
  expect(resubscribe.after).toBeGreaterThan(0);

  // The draft, the code step and the wait all happened during or around the outage.
  await expect(page.getByTestId('node-status-review')).toHaveText('waiting for you', { timeout: 20_000 });
  await expect(page.getByTestId('run-status')).toHaveText('Waiting for a person');
  await expect(page.getByTestId('node-status-draft')).toHaveText('done');

  // Approve through the inbox; the summary then streams live over the new connection.
  await page.getByTestId('tab-approvals').click();
  await page.getByTestId(`approval-${runId}-review`).getByTestId('approve-button').click();
  await page.getByTestId('tab-run').click();
  await expect(page.getByTestId('run-status')).toHaveText('Succeeded', { timeout: 20_000 });

  const state = await serverJson<{ status: string; costUsd: number; lastSeq: number; steps: Record<string, ServerStep> }>(server, `/api/runs/${runId}`);
  const { events } = await serverJson<{ events: WireEvent[] }>(server, `/api/runs/${runId}/events`);
  expect(state.status).toBe('succeeded');
  expect(events.map((event) => event.seq)).toEqual(Array.from({ length: state.lastSeq }, (_, index) => index + 1));

  // Every node in its final state, on the canvas and in the steps table, each step listed once.
  for (const nodeId of NODE_IDS) {
    expect(state.steps[nodeId]?.status, `server state of ${nodeId}`).toBe('succeeded');
    await expect(page.getByTestId(`node-status-${nodeId}`)).toHaveText('done');
    await expect(page.getByTestId(`run-step-${nodeId}`)).toHaveCount(1);
    await expect(page.getByTestId(`run-step-${nodeId}`)).toContainText('done');
  }
  await expect(page.getByTestId('run-steps').locator('[data-testid^="run-step-"]')).toHaveCount(NODE_IDS.length);

  // The run's total cost is the server's, to the last digit (the meter carries the exact number).
  await expect(page.getByTestId('run-cost')).toHaveText(formatUsd(state.costUsd));
  expect(state.costUsd).toBeGreaterThan(0);
  expect(Number(await page.getByTestId('budget-bar').getByRole('meter').getAttribute('aria-valuenow'))).toBe(state.costUsd);

  // The streamed draft is whole: what the server streamed, once, and valid JSON with every section.
  const draftText = state.steps.draft!.text;
  expect(draftText).toBe(events.filter((event) => event.type === 'step.delta' && event.nodeId === 'draft').map((event) => event.text).join(''));
  expect(Object.keys(JSON.parse(draftText) as object)).toEqual(SECTIONS);
  // The node shows the JSON value the draft built (model kind's streamsText.present), not the text as sent.
  const shownDraft = JSON.stringify(JSON.parse(draftText), null, 2);
  await expect(page.getByTestId('node-stream-draft')).toHaveText(shownDraft.length > 220 ? `…${shownDraft.slice(-220)}` : shownDraft);

  // The trace lists each step once; the draft's reply, the summary's reply and the code step's log are not doubled.
  await page.getByTestId('tab-history').click();
  const trace = page.getByTestId('run-trace');
  await expect(trace.locator('.trace-step')).toHaveCount(NODE_IDS.length);
  for (const nodeId of NODE_IDS) await expect(trace.getByTestId(`trace-${nodeId}`)).toHaveCount(1);
  const reply = (nodeId: string) => trace.getByTestId(`trace-${nodeId}`).locator('.trace-block').filter({ has: page.locator('.trace-label', { hasText: /^Reply$/ }) }).locator('pre');
  await expect(reply('draft')).toHaveText(draftText);
  await expect(reply('summary')).toHaveText(state.steps.summary!.text);
  expect(state.steps.summary!.text).toContain('simulated reply');
  const logBlock = trace.getByTestId('trace-shape').locator('.trace-block').filter({ has: page.locator('.trace-label', { hasText: /^Logs$/ }) }).locator('pre');
  await expect(logBlock).toHaveText(state.steps.shape!.logs.map((log) => `[${log.level}] ${log.text}`).join('\n'));
  expect(state.steps.shape!.logs).toHaveLength(1);

  const summary = sockets.map((log) => ({
    sent: log.sent,
    received: log.received.map((message) => ('event' in message ? `${message.event.seq} ${message.event.type}${message.event.nodeId ? ` ${message.event.nodeId}` : ''}${message.event.runId === runId ? '' : ' (other run)'}` : JSON.stringify(message))),
  }));
  await test.info().attach('websockets.json', { body: JSON.stringify({ cutAt, seenBeforeCut, eventFetches, sockets: summary }, null, 2), contentType: 'application/json' });

  // On the wire: the new connection replayed exactly what the page had not seen, then went live.
  // A live event of the run can still reach the new connection through the "*" subscription
  // before the run's replay starts; the client drops such events (the replay brings them in order).
  const received = runEvents(second, runId).map((event) => event.seq);
  const replayStart = received.indexOf(seenBeforeCut + 1);
  const overtaking = received.slice(0, Math.max(0, replayStart));
  const replayed = received.slice(overtaking.length);
  expect(replayed, 'the run subscription on the new connection neither repeats nor skips a seq').toEqual(Array.from({ length: state.lastSeq - seenBeforeCut }, (_, index) => seenBeforeCut + 1 + index));
  const subscribedIndex = second.received.findIndex((message) => message.type === 'subscribed' && message.runId === runId);
  expect(subscribedIndex).toBeGreaterThanOrEqual(0);
  const live = second.received.slice(subscribedIndex + 1).flatMap((message) => (message.type === 'event' && 'event' in message && message.event.runId === runId ? [message.event] : []));
  expect(live.some((event) => event.type === 'step.delta' && event.nodeId === 'summary'), 'the summary streamed live after the replay').toBe(true);
  // The socket recovered the run by itself: the page fetched no missing events over REST after reconnecting.
  // (The History tab's timeline reads the whole log once, from seq 0, when it opens: not a catch-up.)
  expect(eventFetches.filter((fetch) => fetch.at >= second.openedAt && !fetch.url.endsWith('after=0'))).toEqual([]);
  test.info().annotations.push({
    type: 'reconnect',
    description: `${overtaking.length} event(s) ahead of the replay through "*" (dropped by the client); cut after seq ${seenBeforeCut} of ${state.lastSeq}; ${cuttingProxy.refused} attempt(s) refused; reconnected after ${second.openedAt - cutAt} ms; ${eventFetches.length} REST catch-up(s) in all; replayed ${subscribedIndex >= 0 ? replayed.length - live.length : '?'} event(s), then ${live.length} live; draft deltas live after reconnect: ${live.filter((event) => event.type === 'step.delta' && event.nodeId === 'draft').length}`,
  });

  await page.getByTestId('tab-run').click();
  await page.getByTestId('node-draft').click({ position: { x: 40, y: 12 } });
  await shot(page, 'dropped-connection-finished');
});
