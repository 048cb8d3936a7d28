import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { flowsDir, openFlow, shot } from './support/helpers.ts';

test('a finished run saved as a case passes when the cases are evaluated, and a variant shows side by side', async ({ page }) => {
  await openFlow(page, 'ticket-triage', ['ticket', 'classify', 'review', 'result']);
  await page.getByTestId('tab-run').click();
  await page.getByTestId('run-button').click();
  await page.getByTestId('run-input-text').fill('My invoice shows the wrong company address.');
  await page.getByTestId('run-submit').click();
  await expect(page.getByTestId('run-status')).toHaveText('Succeeded', { timeout: 20_000 });

  await page.getByTestId('save-as-case').click();
  await page.getByTestId('case-name').fill('wrong address');
  await page.getByTestId('save-case').click();
  await expect(page.getByTestId('evaluate-panel')).toBeVisible();
  await expect(page.getByTestId('case-wrong address')).toBeVisible();
  const line = readFileSync(join(flowsDir(), 'ticket-triage.cases.jsonl'), 'utf8').trim().split('\n').at(-1)!;
  expect(JSON.parse(line)).toMatchObject({ name: 'wrong address', inputs: { text: 'My invoice shows the wrong company address.' }, expect: { status: 'succeeded', outputs: { classification: {} } } });

  await page.getByTestId('evaluate-estimate').click();
  await expect(page.getByTestId('evaluate-estimate-callout')).toContainText('up to $');
  await page.getByTestId('evaluate-run').click();
  await expect(page.getByTestId('evaluation-status')).toContainText('finished', { timeout: 30_000 });
  await expect(page.getByTestId('result-0-wrong address')).toContainText('pass');

  await page.getByTestId('evaluate-variant').fill('classify.model=gpt-4o');
  await page.getByTestId('evaluate-estimate').click();
  await expect(page.getByTestId('evaluate-estimate-callout')).toContainText('× 2 variants');
  await page.getByTestId('evaluate-run').click();
  await expect(page.getByTestId('evaluation-status')).toContainText('finished', { timeout: 45_000 });
  await expect(page.locator('.eval-table th')).toHaveText(['Case', 'as saved', 'classify.model=gpt-4o']);
  await expect(page.getByTestId('result-0-wrong address')).toContainText('pass');
  await expect(page.getByTestId('result-1-wrong address')).toBeVisible();
  await expect(page.getByTestId('totals-1')).toContainText('passed');
  await expect(page.getByTestId('evaluation-changed')).toBeVisible();
  await shot(page, 'evaluate-variant');

  // A case edited in the panel is saved to the file, and its new expectation is what is judged.
  await page.getByTestId('evaluate-variant').fill('');
  await page.getByTestId('edit-case-wrong address').click();
  const json = page.getByTestId('case-json-wrong address');
  await json.fill((await json.inputValue()).replace('"status": "succeeded"', '"status": "failed"'));
  await page.getByTestId('apply-case-wrong address').click();
  await page.getByTestId('save-cases').click();
  await expect(page.getByTestId('save-cases')).toHaveCount(0);
  expect(readFileSync(join(flowsDir(), 'ticket-triage.cases.jsonl'), 'utf8')).toContain('"expect":{"status":"failed"');
  await page.getByTestId('evaluate-estimate').click();
  await page.getByTestId('evaluate-run').click();
  await expect(page.getByTestId('evaluation-status')).toContainText('finished', { timeout: 30_000 });
  await expect(page.getByTestId('result-0-wrong address')).toContainText('fail');
  await expect(page.getByTestId('result-0-wrong address')).toContainText('status: expected failed, got succeeded');
});

const CHAIN_ID = 'what-if-chain';

test.afterEach(async ({ request }) => {
  await request.delete(`/api/flows/${CHAIN_ID}`);
});

test('"What if…" on a node of a finished run re-runs it with another model: steps before it are reused at $0, the cost delta and changed outputs show', async ({ page, request }) => {
  // summary -> translation: a what-if on translation takes summary from the original run.
  const flow = {
    schemaVersion: 1,
    id: CHAIN_ID,
    name: 'What-if chain',
    nodes: [
      { id: 'story', kind: 'input', position: { x: 0, y: 0 }, config: { fields: [{ name: 'text', type: 'string' }] } },
      { id: 'summary', kind: 'model', position: { x: 320, y: 0 }, config: { model: 'gpt-4o-mini', prompt: 'Summarise: {{text}}', inputs: [{ name: 'text', type: 'string' }] } },
      { id: 'translation', kind: 'model', position: { x: 640, y: 0 }, config: { model: 'gpt-4o-mini', prompt: 'Translate to French: {{text}}', inputs: [{ name: 'text', type: 'string' }] } },
      { id: 'out', kind: 'output', position: { x: 960, y: 0 }, config: { fields: [{ name: 'french', type: 'string' }] } },
    ],
    edges: [
      { from: 'story.text', to: 'summary.text' },
      { from: 'summary.result', to: 'translation.text' },
      { from: 'translation.result', to: 'out.french' },
    ],
  };
  expect((await request.put(`/api/flows/${CHAIN_ID}`, { data: flow })).ok()).toBe(true);
  await openFlow(page, CHAIN_ID, ['story', 'summary', 'translation', 'out']);
  await page.getByTestId('run-button').click();
  await page.getByTestId('run-input-text').fill('A fox jumped over a lazy dog and ran into the woods.');
  await page.getByTestId('run-submit').click();
  await page.getByTestId('tab-run').click();
  await expect(page.getByTestId('run-status')).toHaveText('Succeeded', { timeout: 20_000 });
  const original = await page.getByTestId('run-panel-id').getAttribute('title');

  await page.getByTestId('node-translation').click({ position: { x: 40, y: 12 } });
  await page.getByTestId('node-what-if').click();
  await expect(page.getByTestId('node-what-if-value')).toHaveValue('gpt-4o-mini');
  await page.getByTestId('node-what-if-value').fill('gpt-4o');
  await page.getByTestId('node-what-if-run').click();

  await expect(page.getByTestId('comparison-cost')).toContainText('+$', { timeout: 20_000 });
  await expect(page.getByTestId('comparison-step-summary')).toContainText('reused');
  await expect(page.getByTestId('comparison-step-translation')).not.toContainText('reused');
  await expect(page.getByTestId('comparison-step-translation')).toContainText('+$');
  await expect(page.getByTestId('node-reused-summary')).toBeVisible();
  await expect(page.getByTestId('node-reused-translation')).toHaveCount(0);
  await page.getByTestId('tab-run').click();
  await expect(page.getByTestId('run-panel-id')).not.toHaveAttribute('title', original!);
  await expect(page.getByTestId('run-step-reused-summary')).toBeVisible();
  await page.getByTestId('node-summary').click({ position: { x: 40, y: 12 } });
  await expect(page.getByTestId('trace-reused-summary')).toContainText('reused from run');
  await shot(page, 'what-if-node');

  // Another prompt for translation, on the what-if run: the output changes, and the diff shows it.
  await page.getByTestId('node-translation').click({ position: { x: 40, y: 12 } });
  await page.getByTestId('node-what-if').click();
  await page.getByTestId('node-what-if-field').selectOption('prompt');
  await expect(page.getByTestId('node-what-if-value')).toHaveValue('Translate to French: {{text}}');
  await page.getByTestId('node-what-if-value').fill('Translate to German: {{text}}');
  await page.getByTestId('node-what-if-run').click();
  await expect(page.getByTestId('comparison-verdict')).toContainText('Outputs differ: french', { timeout: 20_000 });
  await expect(page.getByTestId('comparison-output-french')).toContainText('German');
  await expect(page.getByTestId('comparison-step-summary')).toContainText('reused');
});
