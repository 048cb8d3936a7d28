import { expect, test } from '@playwright/test';
import { openFlow, shot } from './support/helpers.ts';
import { textsBelow } from './support/text-size.ts';

test('the code editor highlights, completes input names, marks syntax errors at their line, and opens large', async ({ page }) => {
  await openFlow(page, 'invoice-approval', ['policy']);
  await page.getByTestId('node-policy').click({ position: { x: 40, y: 12 } });
  const editor = page.getByTestId('config-source');
  await expect(editor).toHaveAttribute('data-loaded', 'true');
  const content = editor.locator('.cm-content');
  await expect(content).toContainText('KNOWN_VENDORS');
  // Highlighted: the keywords are drawn in spans of their own.
  await expect(content.locator('span', { hasText: /^export$/ }).first()).toBeVisible();

  // Completion of the step's inputs, with their types.
  await content.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.type('const probe = inputs.');
  const completion = page.locator('.cm-tooltip-autocomplete');
  await expect(completion).toContainText('invoice');
  await expect(completion).toContainText('json');
  await page.keyboard.press('Escape');

  // A syntax error is reported at its line.
  await page.keyboard.type(';\nconst broken = ;');
  const lines = await content.evaluate((element) => element.querySelectorAll('.cm-line').length);
  await expect(page.getByTestId('config-source-problems')).toContainText(`Syntax error on line ${lines}`);
  await expect(editor.locator('.cm-lint-marker-error').last()).toBeVisible();

  // The large editing view.
  await page.getByTestId('config-source-expand').click();
  const large = page.getByTestId('config-source-large-editor');
  await expect(large).toHaveAttribute('data-loaded', 'true');
  const box = (await large.boundingBox())!;
  expect(box.width).toBeGreaterThan(800);
  expect(box.height).toBeGreaterThan(400);
  await expect(large.locator('.cm-content')).toContainText('const broken = ;');
  await shot(page, 'code-editor-large');
  expect(await textsBelow(page.getByTestId('config-source-large'), 11)).toEqual([]);
  // Edits in the large view are the step's source.
  await large.locator('.cm-content').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\n// checked');
  await page.getByTestId('config-source-done').click();
  await expect(editor.locator('.cm-content')).toContainText('// checked');
  await expect(page.getByTestId('unsaved-marker')).toBeVisible();
});

test('prompts and schemas are edited in CodeMirror inline: {{ completes the input names, a schema shows its parse error at its line', async ({ page }) => {
  await openFlow(page, 'model-cascade', ['strong']);
  await page.getByTestId('node-strong').click({ position: { x: 40, y: 12 } });
  const prompt = page.getByTestId('config-prompt');
  await expect(prompt).toHaveAttribute('data-loaded', 'true');
  const content = prompt.locator('.cm-content');
  await expect(content).toContainText('Its reason: {{reason}}');
  await content.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\nAlso: {{');
  const completion = page.locator('.cm-tooltip-autocomplete');
  await expect(completion).toContainText('reason');
  await expect(completion).toContainText('question');
  await page.keyboard.type('que');
  await page.keyboard.press('Enter');
  await expect(content).toContainText('Also: {{question}}');
  await expect(page.getByTestId('unsaved-marker')).toBeVisible();
  // A chip inserts at the cursor.
  await page.getByTestId('config-prompt-chip-reason').click();
  await expect(content).toContainText('Also: {{question}}{{reason}}');

  // The output schema of a JSON reply: CodeMirror too, with a parse error named by its line.
  await page.getByTestId('config-output').selectOption('json');
  const schema = page.getByTestId('config-output-schema');
  await expect(schema).toHaveAttribute('data-loaded', 'true');
  await schema.locator('.cm-content').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('End');
  await page.keyboard.type(',,');
  await expect(page.getByTestId('config-output-schema-error')).toContainText(/Syntax error on line \d/);
  await expect(schema.locator('.cm-lint-marker-error').first()).toBeVisible();
  await shot(page, 'prompt-and-schema-editors');
});
