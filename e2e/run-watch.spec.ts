import { expect, test } from '@playwright/test';
import { openFlow, recordStatuses, shot } from './support/helpers.ts';

test('run an example flow and watch node states, streamed text and simulated costs', async ({ page }) => {
  await openFlow(page, 'ticket-triage', ['ticket', 'classify', 'review', 'result']);
  await expect(page.getByTestId('simulated-badge')).toHaveText('Simulated models');

  // The worst-case estimate is visible before anything runs.
  await page.getByTestId('tab-run').click();
  await expect(page.getByTestId('estimate-total')).toContainText('$');
  await expect(page.getByTestId('estimate')).toContainText('classify');

  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-dialog')).toBeVisible();
  // The estimate counts what is typed into the form: a long ticket makes the classify prompt longer.
  const promptTokens = async () => Number((await page.getByTestId('run-dialog').getByTestId('estimate-tokens-classify').textContent())!.split(' + ')[0]!.replace(/,/g, ''));
  await page.getByTestId('run-input-text').fill('short');
  await expect.poll(promptTokens).toBeGreaterThan(0);
  const shortPrompt = await promptTokens();
  await page.getByTestId('run-input-text').fill('refund please '.repeat(300));
  await expect.poll(promptTokens).toBeGreaterThan(shortPrompt + 500);
  await page.getByTestId('run-input-text').fill('I was charged twice for my subscription this month. Please refund one of the charges.');
  await expect.poll(promptTokens).toBeLessThan(shortPrompt + 100);
  const statuses = await recordStatuses(page, 'classify');
  await page.getByTestId('run-submit').click();

  await expect(page).toHaveURL(/[?&]run=/);
  await expect(page.getByTestId('run-banner')).toBeVisible();
  await expect(page.getByTestId('node-status-classify')).toBeVisible();
  // Best effort: catch the model step mid-stream for the screenshot (simulated replies are quick).
  await page.getByTestId('node-status-classify').filter({ hasText: 'running' }).waitFor({ timeout: 3000 }).catch(() => undefined);
  await shot(page, 'run-in-progress');

  await expect(page.getByTestId('run-status')).toHaveText('Succeeded', { timeout: 20_000 });
  await expect(page.getByTestId('node-status-classify')).toHaveText('done');
  await expect(page.getByTestId('node-status-ticket')).toHaveText('done');
  await expect(page.getByTestId('node-status-review')).toHaveText('skipped');
  await expect(page.getByTestId('node-stream-classify')).not.toBeEmpty();
  await expect(page.getByTestId('node-cost-classify')).toContainText('$');
  await expect(page.getByTestId('node-classify')).toContainText('simulated');
  await expect(page.getByTestId('budget-bar')).toContainText('of $0.050 budget');
  await expect(page.getByTestId('budget-bar')).toContainText('simulated');
  await expect(page.getByTestId('run-cost')).not.toHaveText('$0.00');
  await expect(page.getByTestId('run-outputs')).toContainText('classification');
  // The node went through its states on screen: queued, running, done.
  expect(await statuses()).toEqual(expect.arrayContaining(['running', 'succeeded']));

  // The trace of the model step: prompt, reply, tokens and cost.
  await page.getByTestId('node-classify').click({ position: { x: 40, y: 12 } });
  await expect(page.getByTestId('trace-classify')).toContainText('Prompt');
  await expect(page.getByTestId('trace-classify')).toContainText('Reply');
  await expect(page.getByTestId('trace-classify')).toContainText('(simulated)');
  await shot(page, 'run-finished');

  // History lists the run; opening it rebuilds the same state from its events.
  await page.getByTestId('close-run-button').click();
  await expect(page.getByTestId('run-banner')).toHaveCount(0);
  await page.getByTestId('tab-history').click();
  await page.locator('[data-testid^="history-run-"]').first().locator('button').click();
  await expect(page.getByTestId('node-status-classify')).toHaveText('done');
  await expect(page.getByTestId('run-trace')).toContainText('classify');
  await shot(page, 'run-history-trace');
});
