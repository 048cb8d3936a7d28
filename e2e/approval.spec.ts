import { expect, test } from '@playwright/test';
import { fitView, openFlow, shot } from './support/helpers.ts';

test('a big invoice waits for a person, survives a reload, and finishes when approved from the inbox', async ({ page }) => {
  await openFlow(page, 'invoice-approval', ['invoice', 'policy', 'manager', 'decision']);
  await page.getByTestId('run-button').click();
  await page.getByTestId('run-input-invoice').fill('{"vendor": "Acme Office Supplies", "amount": 5400, "currency": "EUR"}');
  await page.getByTestId('run-submit').click();

  await expect(page.getByTestId('node-status-manager')).toHaveText('waiting for you', { timeout: 20_000 });
  await expect(page.getByTestId('node-waiting-manager')).toContainText('Waiting for you');
  await expect(page.getByTestId('run-status')).toHaveText('Waiting for a person');
  await expect(page.getByTestId('waiting-badge')).toBeVisible();
  await shot(page, 'approval-waiting');

  // Reload mid-run: the URL keeps the run, and its state comes back from the log.
  const url = page.url();
  expect(url).toMatch(/run=/);
  await page.reload();
  await fitView(page);
  await expect(page.getByTestId('node-status-manager')).toHaveText('waiting for you');
  await expect(page.getByTestId('node-status-policy')).toHaveText('done');
  await expect(page.getByTestId('node-status-decision')).toHaveText('queued');
  await shot(page, 'approval-after-reload');

  await page.getByTestId('tab-approvals').click();
  const card = page.locator('[data-testid^="approval-run-"]').filter({ hasText: 'Approve this invoice?' }).first();
  await expect(card).toContainText('5400');
  await card.getByTestId('edit-payload').click();
  await card.getByTestId('approval-payload').fill('{"vendor": "Acme Office Supplies", "amount": 4500, "currency": "EUR"}');
  await card.getByTestId('approval-comment').fill('Corrected the amount to the purchase order');
  await shot(page, 'approval-inbox-editing');
  await card.getByTestId('approve-button').click();

  await page.getByTestId('tab-run').click();
  await expect(page.getByTestId('run-status')).toHaveText('Succeeded', { timeout: 20_000 });
  await expect(page.getByTestId('node-status-decision')).toHaveText('done');
  await expect(page.getByTestId('run-outputs')).toContainText('4500');
  await page.getByTestId('node-manager').click({ position: { x: 40, y: 12 } });
  await expect(page.getByTestId('trace-decision-manager')).toContainText('Approved by');
  await expect(page.getByTestId('trace-decision-manager')).toContainText('payload edited');
  await shot(page, 'approval-finished');
});

test('a second decision on the same step is refused clearly (409)', async ({ page, request }) => {
  // Keep showing the inbox as it was when the step started waiting, as a slow screen would.
  let frozen: string | undefined;
  await page.route('**/api/approvals', async (route) => {
    if (frozen) return route.fulfill({ body: frozen, contentType: 'application/json' });
    const response = await route.fetch();
    const body = await response.text();
    if (body.includes('Unknown Ltd')) frozen = body;
    await route.fulfill({ response, body });
  });
  await openFlow(page, 'invoice-approval', ['manager']);
  await page.getByTestId('run-button').click();
  await page.getByTestId('run-input-invoice').fill('{"vendor": "Unknown Ltd", "amount": 12, "currency": "EUR"}');
  await page.getByTestId('run-submit').click();
  await expect(page.getByTestId('node-status-manager')).toHaveText('waiting for you', { timeout: 20_000 });
  const runId = new URL(page.url()).searchParams.get('run');
  expect(runId).toBeTruthy();

  await page.getByTestId('tab-approvals').click();
  const card = page.getByTestId(`approval-${runId}-manager`);
  await expect(card).toBeVisible();
  // Someone else decides first, through the API.
  const other = await request.post(`/api/runs/${runId}/steps/manager/decision`, { data: { decision: 'reject', comment: 'Not our vendor' } });
  expect(other.ok()).toBe(true);
  await card.getByTestId('approve-button').click();
  await expect(card.getByTestId('approval-error')).toContainText('Already decided');
  await shot(page, 'approval-already-decided');
  await page.getByTestId('tab-run').click();
  await expect(page.getByTestId('run-status')).toHaveText('Succeeded', { timeout: 20_000 });
  await expect(page.getByTestId('run-outputs')).toContainText('Not our vendor');
});

test('a waiting run can be cancelled (flow opened by its /flows/<id> address)', async ({ page }) => {
  await page.goto('/flows/invoice-approval');
  await fitView(page);
  await expect(page.getByTestId('node-manager')).toBeVisible();
  await page.getByTestId('run-button').click();
  await page.getByTestId('run-input-invoice').fill('{"vendor": "Someone New", "amount": 80, "currency": "EUR"}');
  await page.getByTestId('run-submit').click();
  await expect(page.getByTestId('node-status-manager')).toHaveText('waiting for you', { timeout: 20_000 });
  await page.getByTestId('cancel-run').click();
  await expect(page.getByTestId('run-status')).toHaveText('Cancelled');
  await expect(page.getByTestId('node-status-manager')).toHaveText('cancelled');
  await expect(page.getByTestId('waiting-badge')).toHaveCount(0);
  await shot(page, 'run-cancelled');
});
