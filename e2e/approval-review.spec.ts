import { expect, test } from '@playwright/test';
import { cancelRuns, shot } from './support/helpers.ts';

const started: string[] = [];
test.afterEach(({ request }) => cancelRuns(request, started.splice(0)));

test('Review… on a waiting node opens its approval card; the inbox marks the run on the canvas; one short run id everywhere', async ({ page, request }) => {
  const start = async (vendor: string) => {
    const response = await request.post('/api/flows/invoice-approval/runs', { data: { inputs: { invoice: { vendor, amount: 7000, currency: 'EUR' } } } });
    expect(response.ok()).toBe(true);
    const { runId } = (await response.json()) as { runId: string };
    started.push(runId);
    return runId;
  };
  const other = await start('Other Vendor GmbH');
  const mine = await start('Canvas Vendor BV');

  await page.goto(`/?flow=invoice-approval&run=${mine}`);
  await expect(page.getByTestId('node-status-manager')).toHaveText('waiting for you', { timeout: 20_000 });
  await page.getByTestId('review-manager').click();

  await expect(page.getByTestId('tab-approvals')).toHaveAttribute('aria-selected', 'true');
  const card = page.getByTestId(`approval-${mine}-manager`);
  await expect(card).toHaveAttribute('data-focused', 'true');
  await expect(card.getByTestId('approve-button')).toBeVisible();
  await expect(card.getByTestId('reject-button')).toBeVisible();
  await expect(card.getByTestId('approval-this-run')).toHaveText('run on the canvas');
  await expect(page.getByTestId(`approval-${other}-manager`)).toBeVisible();
  await expect(page.getByTestId(`approval-${other}-manager`).getByTestId('approval-this-run')).toHaveCount(0);
  // The run on the canvas comes first.
  await expect(page.locator('[data-testid^="approval-run-"]').first()).toHaveAttribute('data-testid', `approval-${mine}-manager`);

  // The deadline is ahead: it says what will happen, not that it happened.
  await expect(card.getByTestId('approval-deadline')).toContainText('If no one decides by');
  await expect(card).not.toContainText('Decided automatically');
  await shot(page, 'approval-review-card');

  // One short form of the run id: banner, inbox, run panel and history agree.
  const short = (await page.getByTestId('run-banner-id').textContent())!;
  expect(short.length).toBeGreaterThanOrEqual(6);
  expect(mine.endsWith(short)).toBe(true);
  await expect(card.getByTestId('approval-run-id')).toHaveText(short);
  await page.getByTestId('tab-run').click();
  await expect(page.getByTestId('run-panel-id')).toHaveText(short);
  await page.getByTestId('tab-history').click();
  await expect(page.getByTestId(`history-run-${mine}`).getByTestId('history-run-id')).toHaveText(short);
});
