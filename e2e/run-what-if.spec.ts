import { expect, test } from '@playwright/test';
import { openFlow } from './support/helpers.ts';

test('a finished run replays at $0 with identical outputs, and a what-if shows the cost delta step by step', async ({ page }) => {
  await openFlow(page, 'ticket-triage', ['ticket', 'classify', 'review', 'result']);
  await page.getByTestId('tab-run').click();
  await page.getByTestId('run-button').click();
  await page.getByTestId('run-input-text').fill('I was charged twice for my subscription this month.');
  await page.getByTestId('run-submit').click();
  await expect(page.getByTestId('run-status')).toHaveText('Succeeded', { timeout: 20_000 });
  const originalRun = await page.getByTestId('run-panel-id').getAttribute('title');

  await page.getByTestId('replay-run').click();
  await expect(page.getByTestId('comparison-verdict')).toHaveText('Outputs identical', { timeout: 20_000 });
  await expect(page.getByTestId('comparison-cost')).toContainText('Cost $0.00 against $');
  await expect(page.getByTestId('comparison-step-classify')).toContainText('reused');
  await expect(page.getByTestId('run-panel-id')).not.toHaveAttribute('title', originalRun!);

  await page.getByTestId('what-if-node').selectOption('classify');
  await page.getByTestId('what-if-key').fill('model');
  await page.getByTestId('what-if-value').fill('gpt-4o');
  await page.getByTestId('what-if-run').click();
  // The replayed run is now the one on screen; its what-if changes classify to a pricier model.
  await expect(page.getByTestId('comparison-cost')).toContainText('+$', { timeout: 20_000 });
  await expect(page.getByTestId('comparison-step-classify')).toContainText('+$');
  await expect(page.getByTestId('comparison-step-classify')).not.toContainText('reused');

  await page.getByTestId('what-if-key').fill('temperature');
  await page.getByTestId('what-if-value').fill('"hot"');
  await page.getByTestId('what-if-run').click();
  await expect(page.getByTestId('what-if-error')).toContainText('invalid');
});
