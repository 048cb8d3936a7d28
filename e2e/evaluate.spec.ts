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
});
