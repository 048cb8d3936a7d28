import { expect, test } from '@playwright/test';
import { dropKind, shot } from './support/helpers.ts';

test('a switch: cases edited as rows, each condition in words beside its port', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('new-flow-button').click();
  await dropKind(page, 'switch', { x: 300, y: 200 });
  const node = page.getByTestId('node-switch-1');
  await expect(node).toBeVisible();
  await expect(page.getByTestId('port-caption-switch-1-urgent')).toHaveText('priority is "high"');
  await expect(page.getByTestId('port-caption-switch-1-normal')).toHaveText('otherwise');

  await node.click({ position: { x: 40, y: 12 } });
  await page.getByTestId('config-cases-0-value').fill('urgent');
  await expect(page.getByTestId('port-caption-switch-1-urgent')).toHaveText('priority is "urgent"');
  await page.getByTestId('config-cases-0-op').selectOption('gte');
  await page.getByTestId('config-cases-0-path').fill('score');
  await page.getByTestId('config-cases-0-value').fill('0.9');
  await expect(page.getByTestId('port-caption-switch-1-urgent')).toHaveText('score ≥ 0.9');
  await expect(page.getByTestId('config-cases-0-words')).toHaveText('when score ≥ 0.9');

  await page.getByTestId('config-cases-add').click();
  await page.getByTestId('config-cases-1-port').fill('billing');
  await page.getByTestId('config-cases-1-path').fill('tags');
  await page.getByTestId('config-cases-1-op').selectOption('contains');
  await page.getByTestId('config-cases-1-value').fill('billing');
  await expect(page.getByTestId('port-caption-switch-1-billing')).toHaveText('tags contains "billing"');
  await expect(page.getByTestId('node-summary-switch-1')).toContainText('first of 2 cases, else normal');
  await shot(page, 'switch-cases');

  // A value that breaks its operator's rule is named under the row and on the node.
  await page.getByTestId('config-cases-1-op').selectOption('gt');
  await page.getByTestId('config-cases-1-value').fill('true');
  await expect(page.getByTestId('config-cases-1-error')).toContainText('"gt" compares with a number or a string');
  await expect(page.getByTestId('node-problems-switch-1')).toBeVisible();
});
