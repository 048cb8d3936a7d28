/**
 * A map's run on the canvas, live: the `triage-batch` example started from the designer runs on the
 * e2e server (real child runs, the simulated model); its map node shows progress while it runs and
 * at the end, opens its item runs, each opening its run, and the breadcrumb leads back.
 *
 * The simulated model answers two tickets in a fraction of a second, so the test holds the run's
 * events at the browser's socket once the map's first item has ended: the server and its events
 * are real; the test only decides when the page receives the rest.
 */
import { expect, test, type Page } from '@playwright/test';
import { shot } from './support/helpers.ts';
import { holdRunEvents, type HeldRunEvents } from './support/hold-run-events.ts';

/** Holds the page's run events from the one after the map's first item ends (`done + failed === 1`). */
function holdAfterFirstItem(page: Page, nodeId: string): Promise<HeldRunEvents> {
  return holdRunEvents(page, ({ type, event }) => type === 'event' && event?.type === 'step.progress' && event.nodeId === nodeId && (event.done ?? 0) + (event.failed ?? 0) === 1);
}

test("a map's live run: progress on the node while it runs and at the end, its item runs, each opening its run, and the way back", async ({ page, request }) => {
  const held = await holdAfterFirstItem(page, 'each');
  await page.goto('/?flow=triage-batch');
  await expect(page.getByTestId('node-each')).toBeVisible();
  await page.getByTestId('run-button').click();
  await page.getByTestId('run-input-tickets').fill(JSON.stringify(['Refund my last invoice, please', 'The app crashes when I log in']));
  await page.getByTestId('run-submit').click();

  // Mid-run, as the page saw it: one item of two ended, its cost counted so far.
  await expect.poll(() => held.holding(), { timeout: 20_000 }).toBe(true);
  await expect(page.getByTestId('node-progress-count-each')).toHaveText('1 / 2 done');
  await expect(page.getByTestId('node-progress-cost-each')).toContainText('so far');
  await shot(page, 'map-progress');
  const parentId = (await page.getByTestId('run-banner-id').getAttribute('title'))!;
  expect(parentId).toBeTruthy();

  // The rest of the run reaches the page: both items done, the cost final.
  held.release();
  await expect(page.getByTestId('node-progress-count-each')).toHaveText('2 / 2 done');
  await expect(page.getByTestId('node-progress-cost-each')).not.toContainText('so far');
  await expect(page.getByTestId('node-progress-cost-each')).toContainText('$');
  await expect.poll(async () => ((await (await request.get(`/api/runs/${parentId}`)).json()) as { status: string }).status, { timeout: 20_000 }).toBe('succeeded');

  await page.getByTestId('node-each').dblclick({ position: { x: 40, y: 12 } });
  await expect(page.getByTestId('item-runs')).toBeVisible();
  await expect(page.getByTestId('item-run-status-0')).toHaveText('Succeeded');
  await expect(page.getByTestId('item-run-status-1')).toHaveText('Succeeded');
  await expect(page.getByTestId('item-run-2')).toHaveCount(0);

  await page.getByTestId('item-run-open-1').click();
  await expect(page.getByTestId('run-banner-id')).not.toHaveAttribute('title', parentId);
  const secondId = (await page.getByTestId('run-banner-id').getAttribute('title'))!;
  await expect(page.getByTestId('node-classify')).toBeVisible();
  await expect(page.getByTestId('breadcrumb-here')).toContainText('classify-ticket');
  await expect(page.getByTestId('breadcrumb-0')).toContainText('triage-batch');
  // The item run is a real child run on the server, linked to its parent.
  const child = (await (await request.get(`/api/runs/${secondId}`)).json()) as { parent?: { runId: string; nodeId: string }; status: string };
  expect(child.parent).toMatchObject({ runId: parentId, nodeId: 'each' });
  expect(child.status).toBe('succeeded');

  await page.getByTestId('breadcrumb-0').click();
  await expect(page.getByTestId('run-banner-id')).toHaveAttribute('title', parentId);
  await expect(page.getByTestId('node-progress-count-each')).toHaveText('2 / 2 done');
  await expect(page.getByTestId('breadcrumb')).toHaveCount(0);

  // An item run opened by its address still names the run that started it, and goes back to it.
  await page.goto(`/?flow=triage-batch&run=${secondId}`);
  await expect(page.getByTestId('node-classify')).toBeVisible();
  await page.getByTestId('breadcrumb-parent').click();
  await expect(page.getByTestId('run-banner-id')).toHaveAttribute('title', parentId);
  await expect(page.getByTestId('node-progress-count-each')).toHaveText('2 / 2 done');
});
