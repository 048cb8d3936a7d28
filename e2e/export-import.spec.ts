import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { fitView, openFlow, readFlowFile, shot } from './support/helpers.ts';

test('export a flow as its canonical file and import it back; a bad file changes nothing', async ({ page }, testInfo) => {
  await openFlow(page, 'model-cascade', ['question', 'cheap', 'strong', 'answer']);
  const downloadPromise = page.waitForEvent('download');
  await page.getByTestId('export-button').click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toBe('model-cascade.flow.json');
  const exportedPath = testInfo.outputPath('model-cascade.flow.json');
  await download.saveAs(exportedPath);
  // The export is exactly the canonical text, which is what the saved file already holds.
  expect(readFileSync(exportedPath, 'utf8')).toBe(readFlowFile('model-cascade'));

  await page.getByTestId('new-flow-button').click();
  await expect(page.getByText('An empty flow')).toBeVisible();

  // A broken file: refused with the reason, and the canvas keeps what it had.
  await page.getByTestId('import-input').setInputFiles({ name: 'broken.flow.json', mimeType: 'application/json', buffer: Buffer.from('{"schemaVersion": 1, "id": "x", "nodes": [') });
  await expect(page.getByTestId('import-problems')).toContainText('not valid JSON');
  await shot(page, 'import-refused');
  await page.getByTestId('import-problems').getByRole('button', { name: 'OK' }).click();
  await page.getByTestId('import-input').setInputFiles({ name: 'wrong.flow.json', mimeType: 'application/json', buffer: Buffer.from('{"schemaVersion": 1, "id": "Not An Id", "name": "x", "nodes": [], "edges": []}') });
  await expect(page.getByTestId('import-problems')).toContainText('id');
  await page.getByTestId('import-problems').getByRole('button', { name: 'OK' }).click();
  await expect(page.getByText('An empty flow')).toBeVisible();

  await page.getByTestId('import-input').setInputFiles(exportedPath);
  await expect(page.getByTestId('flow-name')).toContainText('model-cascade');
  await fitView(page);
  for (const id of ['question', 'cheap', 'strong', 'answer']) await expect(page.getByTestId(`node-${id}`)).toBeVisible();
  await expect(page.getByTestId('flow-name')).toContainText('model-cascade');
  await expect(page.locator('.react-flow__edge')).toHaveCount(readFlowFile('model-cascade').match(/"from":/g)!.length);
  await expect(page.getByTestId('problems-none')).toBeVisible();
  await shot(page, 'import-done');

  // Exporting the imported flow gives the same bytes again.
  const again = page.waitForEvent('download');
  await page.getByTestId('export-button').click();
  const secondPath = testInfo.outputPath('again.flow.json');
  await (await again).saveAs(secondPath);
  expect(readFileSync(secondPath, 'utf8')).toBe(readFlowFile('model-cascade'));
});
