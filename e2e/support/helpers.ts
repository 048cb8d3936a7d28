/** What the e2e tests share: paths of the server's temp dirs, screenshots, opening flows, drawing wires. */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type APIRequestContext, type Locator, type Page } from '@playwright/test';

export function e2eDir(): string {
  const dir = process.env.WEFT_E2E_DIR;
  if (!dir) throw new Error('WEFT_E2E_DIR is not set: run the suite with `npx playwright test`');
  return dir;
}

export function flowsDir(): string {
  return join(e2eDir(), 'flows');
}

export function readFlowFile(id: string): string {
  return readFileSync(join(flowsDir(), `${id}.flow.json`), 'utf8');
}

const screenshots = join(import.meta.dirname, '..', 'screenshots');

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, `${name}.png`) });
}

/**
 * Shows the whole flow, as a person does with Fit view: a flow opens at a zoom where its text is
 * readable, which on this viewport shows only the start of the examples.
 */
export async function fitView(page: Page): Promise<void> {
  await expect(page.locator('[data-testid="canvas"][data-framed]')).toBeAttached();
  await page.getByTestId('fit-view-button').click();
}

/** Opens a saved flow by URL and, when given node ids, fits it in view and waits until those nodes are on the canvas. */
export async function openFlow(page: Page, id: string, nodeIds: string[] = []): Promise<void> {
  await page.goto(`/?flow=${id}`);
  await expect(page.getByTestId('flow-name')).toContainText(id);
  if (nodeIds.length > 0) await fitView(page);
  for (const nodeId of nodeIds) await expect(page.getByTestId(`node-${nodeId}`)).toBeVisible();
}

/** Cancels runs a test left running or waiting, so the next test's inbox starts empty. */
export async function cancelRuns(request: APIRequestContext, runIds: readonly string[]): Promise<void> {
  for (const runId of runIds) await request.post(`/api/runs/${runId}/cancel`, { data: {} });
}

async function centre(locator: Locator): Promise<{ x: number; y: number }> {
  const box = await locator.boundingBox();
  if (!box) throw new Error('element is not visible');
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

export function handle(page: Page, nodeId: string, direction: 'in' | 'out', port: string): Locator {
  return page.getByTestId(`handle-${nodeId}-${direction}-${port}`);
}

/**
 * Drags a wire from one handle to another like a person does. `whileOver` runs with the pointer
 * held over the target, before the button is released (to look at the hint shown while dragging).
 */
export async function dragWire(page: Page, from: Locator, to: Locator, whileOver?: () => Promise<void>): Promise<void> {
  const start = await centre(from);
  const end = await centre(to);
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move((start.x + end.x) / 2, (start.y + end.y) / 2, { steps: 8 });
  await page.mouse.move(end.x, end.y, { steps: 8 });
  if (whileOver) await whileOver();
  await page.mouse.up();
}

/** Drags a kind from the palette onto the canvas at a point relative to the canvas's top-left corner. */
export async function dropKind(page: Page, kind: string, at: { x: number; y: number }): Promise<void> {
  await page.getByTestId(`palette-item-${kind}`).dragTo(page.getByTestId('canvas'), { targetPosition: at });
}

/** Records every `data-status` a node shows, so a test can assert the states it went through. */
export async function recordStatuses(page: Page, nodeId: string): Promise<() => Promise<string[]>> {
  await page.evaluate((id) => {
    const seen: string[] = [];
    (window as unknown as Record<string, string[]>)[`statuses-${id}`] = seen;
    const note = () => {
      const status = document.querySelector(`[data-testid="node-${id}"]`)?.getAttribute('data-status');
      if (status && seen[seen.length - 1] !== status) seen.push(status);
    };
    new MutationObserver(note).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-status'], childList: true });
    note();
  }, nodeId);
  return () => page.evaluate((id) => (window as unknown as Record<string, string[]>)[`statuses-${id}`] ?? [], nodeId);
}

export const mod = process.platform === 'darwin' ? 'Meta' : 'Control';
