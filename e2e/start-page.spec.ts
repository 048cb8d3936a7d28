import { expect, test } from '@playwright/test';
import { cancelRuns, shot } from './support/helpers.ts';

const started: string[] = [];
test.afterEach(({ request }) => cancelRuns(request, started.splice(0)));
import { textsBelow } from './support/text-size.ts';

test('the app opens on a start page with the flows, recent runs and what waits; a card opens its flow', async ({ page, request }) => {
  // Something in each section: a finished run and a run waiting for a person.
  const triage = await request.post('/api/flows/ticket-triage/runs', { data: { inputs: { text: 'Where is my invoice for March?' } } });
  expect(triage.ok()).toBe(true);
  const invoice = await request.post('/api/flows/invoice-approval/runs', { data: { inputs: { invoice: { vendor: 'Start Page Ltd', amount: 9000, currency: 'EUR' } } } });
  const waitingRun = (await invoice.json()).runId as string;
  started.push(waitingRun, (await triage.json()).runId as string);

  await page.goto('/');
  const start = page.getByTestId('start-page');
  await expect(start).toBeVisible();
  await expect(page.getByTestId('canvas')).toHaveCount(0);
  for (const id of ['invoice-approval', 'model-cascade', 'ticket-triage']) await expect(page.getByTestId(`start-flow-${id}`)).toBeVisible();
  await expect(page.getByTestId(`start-waiting-${waitingRun}-manager`)).toContainText('Approve this invoice?', { timeout: 20_000 });
  await expect(page.getByTestId('start-runs').locator('[data-testid^="history-run-"]').first()).toBeVisible();
  await expect(page.getByTestId('start-runs')).toContainText('Start Page Ltd');
  await shot(page, 'start-page');
  expect(await textsBelow(start, 11)).toEqual([]);

  await page.getByTestId('start-flow-model-cascade').click();
  await expect(page.getByTestId('node-cheap')).toBeVisible();
  await expect(page.getByTestId('start-page')).toHaveCount(0);
  await expect(page).toHaveURL(/flow=model-cascade/);

  // The brand leads back; from there a waiting step opens its run with its approval card in view.
  await page.getByTestId('home-button').click();
  await page.getByTestId(`start-waiting-${waitingRun}-manager`).click();
  await expect(page.getByTestId('run-banner')).toBeVisible();
  await expect(page.getByTestId('tab-approvals')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId(`approval-${waitingRun}-manager`)).toHaveAttribute('data-focused', 'true');
});

test('the palette finds the model by "llm" and "gpt", and the header shows a long flow name whole', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('new-flow-button').click();
  for (const word of ['llm', 'gpt']) {
    await page.getByTestId('palette-search').fill(word);
    await expect(page.getByTestId('palette-item-model')).toBeVisible();
  }
  // The flows list keeps every entry whole below the palette: the panel scrolls, the list is not squeezed.
  await page.getByTestId('palette-search').fill('');
  const flowsList = page.locator('.flows-list');
  const lastFlow = flowsList.locator('.list-item').last();
  await lastFlow.scrollIntoViewIfNeeded();
  await expect(lastFlow).toBeVisible();
  expect(await flowsList.evaluate((element) => element.scrollHeight - element.clientHeight)).toBeLessThanOrEqual(1);

  await page.getByTestId('flow-name').click();
  await page.getByTestId('rename-name').fill('Quarterly invoice reconciliation');
  await page.getByTestId('rename-apply').click();
  const name = page.locator('.flow-name-text');
  await expect(name).toHaveText('Quarterly invoice reconciliation');
  const clipped = await name.evaluate((element) => element.scrollWidth > element.clientWidth);
  expect(clipped).toBe(false);
});
