import { expect, test } from '@playwright/test';
import { cancelRuns, openFlow, shot } from './support/helpers.ts';
import { textsBelow } from './support/text-size.ts';

test('at the default view node text is at least 11 px on screen, before and during a run', async ({ page, request }) => {
  // Opened as a person opens it: no Fit view.
  await page.goto('/?flow=invoice-approval');
  await expect(page.getByTestId('node-invoice')).toBeVisible();
  await expect(page.locator('[data-testid="canvas"][data-framed]')).toBeAttached();
  const nodes = page.locator('.react-flow__nodes');
  await expect(page.getByTestId('port-policy-in-invoice')).toBeVisible();
  expect(await textsBelow(nodes, 11)).toEqual([]);
  await shot(page, 'readable-default-view');

  await page.getByTestId('run-button').click();
  await page.getByTestId('run-input-invoice').fill('{"vendor": "Acme Office Supplies", "amount": 5400, "currency": "EUR"}');
  await page.getByTestId('run-submit').click();
  await expect(page.getByTestId('node-status-manager')).toHaveText('waiting for you', { timeout: 20_000 });
  await expect(page.getByTestId('node-waiting-manager')).toBeVisible();
  expect(await textsBelow(page.locator('.react-flow__nodes'), 11)).toEqual([]);
  await cancelRuns(request, [new URL(page.url()).searchParams.get('run')!]);
});

test('auto layout arranges an example left to right without overlapping nodes', async ({ page }) => {
  await openFlow(page, 'model-cascade', ['question']);
  await page.getByTestId('layout-button').click();
  await expect(page.getByTestId('layout-button')).toHaveText('Auto layout');
  await expect(page.getByTestId('unsaved-marker')).toBeVisible();
  for (const id of ['question', 'cheap', 'strong', 'answer']) await expect(page.getByTestId(`node-${id}`)).toBeVisible();
  const boxes = await Promise.all(['question', 'cheap', 'strong', 'answer'].map(async (id) => (await page.getByTestId(`node-${id}`).boundingBox())!));
  const [question, cheap, strong, answer] = boxes as [NonNullable<(typeof boxes)[0]>, NonNullable<(typeof boxes)[0]>, NonNullable<(typeof boxes)[0]>, NonNullable<(typeof boxes)[0]>];
  expect(question.x).toBeLessThan(cheap.x);
  expect(cheap.x).toBeLessThan(strong.x);
  expect(strong.x).toBeLessThan(answer.x);
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i]!, boxes[j]!];
      const overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
      expect(overlap).toBe(false);
    }
  }
  await shot(page, 'auto-layout-model-cascade');
});

test('zoomed out below the readable zoom, each node shows an overview in readable type: kind, label, model', async ({ page }) => {
  await page.goto('/?flow=model-cascade');
  await expect(page.locator('[data-testid="canvas"][data-framed]')).toBeAttached();
  // Opened at a zoom where the details are readable: no overview.
  await expect(page.getByTestId('node-overview-cheap')).toBeHidden();
  await expect(page.getByTestId('port-cheap-in-question')).toBeVisible();
  // Fit view shows the whole flow, further out than its details can be read.
  await page.getByTestId('fit-view-button').click();
  await expect(page.getByTestId('canvas')).toHaveClass(/canvas-overview/);
  for (const id of ['question', 'cheap', 'strong', 'answer']) await expect(page.getByTestId(`node-overview-${id}`)).toBeVisible();
  await expect(page.getByTestId('node-overview-cheap')).toContainText('Small model');
  await expect(page.getByTestId('node-overview-cheap')).toContainText('gpt-4.1-nano');
  await expect(page.getByTestId('node-overview-strong')).toContainText('gpt-4.1');
  await expect(page.getByTestId('port-cheap-in-question')).toBeHidden();
  // What is drawn is readable: the details under the overview are not drawn at all.
  expect(await textsBelow(page.locator('.react-flow__nodes'), 11)).toEqual([]);
  await shot(page, 'overview-model-cascade');
});
