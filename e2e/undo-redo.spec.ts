import { expect, test } from '@playwright/test';
import { mod, openFlow, shot } from './support/helpers.ts';

test('undo and redo edits, deletes and pastes with the keyboard', async ({ page }) => {
  await openFlow(page, 'ticket-triage', ['ticket', 'classify', 'review', 'result']);
  await expect(page.getByTestId('saved-marker')).toBeVisible();

  await page.getByTestId('node-classify').click({ position: { x: 40, y: 12 } });
  await page.getByTestId('inspector-label').fill('Classify the ticket');
  await expect(page.getByTestId('node-classify')).toContainText('Classify the ticket');
  await expect(page.getByTestId('unsaved-marker')).toBeVisible();

  await page.getByTestId('canvas').click({ position: { x: 20, y: 780 } });
  await page.keyboard.press(`${mod}+z`);
  await expect(page.getByTestId('node-classify')).not.toContainText('Classify the ticket');
  await expect(page.getByTestId('saved-marker')).toBeVisible();
  await page.keyboard.press(`${mod}+Shift+z`);
  await expect(page.getByTestId('node-classify')).toContainText('Classify the ticket');

  // Delete a node: its wires go with it; one undo brings both back.
  const edges = page.locator('.react-flow__edge');
  await expect(edges).toHaveCount(5);
  await page.getByTestId('node-review').click({ position: { x: 40, y: 12 } });
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('node-review')).toHaveCount(0);
  await expect(edges).toHaveCount(2);
  await page.keyboard.press(`${mod}+z`);
  await expect(page.getByTestId('node-review')).toBeVisible();
  await expect(edges).toHaveCount(5);
  await page.keyboard.press('Control+y');
  await expect(page.getByTestId('node-review')).toHaveCount(0);
  await page.getByTestId('undo-button').click();
  await expect(page.getByTestId('node-review')).toBeVisible();

  // Copy and paste: a numbered copy appears, and undo removes it.
  await page.getByTestId('node-classify').click({ position: { x: 40, y: 12 } });
  await page.keyboard.press(`${mod}+c`);
  await page.keyboard.press(`${mod}+v`);
  await expect(page.getByTestId('node-classify-1')).toBeVisible();
  await shot(page, 'undo-redo-pasted');
  await page.keyboard.press(`${mod}+z`);
  await expect(page.getByTestId('node-classify-1')).toHaveCount(0);
  await page.getByTestId('redo-button').click();
  await expect(page.getByTestId('node-classify-1')).toBeVisible();
  await shot(page, 'undo-redo-done');
});
