import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { serializeFlow } from '../shared/canonical.ts';
import type { Flow } from '../shared/flow.ts';
import { validateFlowText } from '../shared/validate.ts';
import { dragWire, dropKind, flowsDir, handle, mod, shot } from './support/helpers.ts';

test('build a flow from an empty canvas, see a wrong wire refused, and save it canonically', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('new-flow-button').click();
  await expect(page.getByText('An empty flow')).toBeVisible();

  await dropKind(page, 'input', { x: 120, y: 200 });
  await dropKind(page, 'model', { x: 420, y: 200 });
  await dropKind(page, 'output', { x: 720, y: 200 });
  await dropKind(page, 'code', { x: 420, y: 460 });
  for (const id of ['input-1', 'model-1', 'output-1', 'code-1']) await expect(page.getByTestId(`node-${id}`)).toBeVisible();
  await expect(page.getByTestId('port-model-1-in-text')).toContainText('text');
  await expect(page.getByTestId('port-model-1-in-text')).toContainText('string');
  // Unwired required inputs are problems, shown on the node while the flow is incomplete.
  await expect(page.getByTestId('node-problems-model-1')).toBeVisible();

  await dragWire(page, handle(page, 'input-1', 'out', 'text'), handle(page, 'model-1', 'in', 'text'));
  await dragWire(page, handle(page, 'model-1', 'out', 'result'), handle(page, 'output-1', 'in', 'result'));
  await expect(page.locator('.react-flow__edge')).toHaveCount(2);

  // The code node's output becomes a number in the inspector; a number cannot feed the model's string input.
  await page.getByTestId('node-code-1').click();
  await page.getByTestId('config-outputs-type-0').selectOption('number');
  await expect(page.getByTestId('port-code-1-out-result')).toContainText('number');
  await dragWire(page, handle(page, 'code-1', 'out', 'result'), handle(page, 'model-1', 'in', 'text'), async () => {
    await expect(page.getByTestId('wire-hint')).toContainText('number cannot feed string: add a code node to convert');
    await shot(page, 'wire-refused-while-dragging');
  });
  await expect(page.locator('.react-flow__edge')).toHaveCount(2);
  await expect(page.getByTestId('wire-hint')).toContainText('number cannot feed string');

  // The code node is not needed: delete it with the keyboard.
  await page.getByTestId('node-code-1').click();
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('node-code-1')).toHaveCount(0);

  await page.getByTestId('node-input-1').click({ position: { x: 40, y: 12 } });
  await page.getByTestId('config-fields-name-0').fill('question');
  await page.getByTestId('node-model-1').click({ position: { x: 40, y: 12 } });
  await page.getByTestId('config-inputs-name-0').fill('question');
  const prompt = page.getByTestId('config-prompt').locator('.cm-content');
  await prompt.fill('Answer: ');
  await page.keyboard.press('End');
  await page.getByTestId('config-prompt-chip-question').click();
  await expect(prompt).toHaveText('Answer: {{question}}');

  await page.getByTestId('flow-name').click();
  await page.getByTestId('rename-name').fill('Quick answer');
  await expect(page.getByTestId('rename-id')).toHaveValue('quick-answer');
  await page.getByTestId('rename-apply').click();
  await page.getByTestId('canvas').click({ position: { x: 600, y: 600 } });
  await expect(page.getByTestId('problems-none')).toBeVisible();
  await expect(page.getByTestId('unsaved-marker')).toBeVisible();
  await shot(page, 'built-flow-before-save');

  await page.keyboard.press(`${mod}+s`);
  await expect(page.getByTestId('saved-marker')).toBeVisible();
  await expect(page.getByTestId('flow-item-quick-answer')).toBeVisible();

  const text = readFileSync(`${flowsDir()}/quick-answer.flow.json`, 'utf8');
  const parsed = validateFlowText(text);
  expect(parsed.problems).toEqual([]);
  expect(text).toBe(serializeFlow(parsed.flow as Flow));
  const flow = parsed.flow as Flow;
  expect(flow.nodes.map((node) => node.id)).toEqual(['input-1', 'model-1', 'output-1']);
  expect(flow.edges).toEqual([
    { from: 'input-1.question', to: 'model-1.question' },
    { from: 'model-1.result', to: 'output-1.result' },
  ]);
  expect(flow.nodes.find((node) => node.id === 'model-1')?.config.prompt).toBe('Answer: {{question}}');
  await shot(page, 'built-flow-saved');
});
