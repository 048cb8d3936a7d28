import { existsSync, readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { dropKind, flowsDir, mod, shot } from './support/helpers.ts';

test('a new flow asks for a name on its first save, and a draft with problems is saved all the same', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('new-flow-button').click();
  // Not saved yet, and it does not pretend to be.
  await expect(page.getByTestId('flow-file')).toContainText('Not saved yet');
  await expect(page.getByTestId('problems-empty-flow')).toBeVisible();

  // The run dialog of an empty flow offers no Start run.
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-blocked')).toContainText('no steps yet');
  await expect(page.getByTestId('run-submit')).toBeDisabled();
  await page.keyboard.press('Escape');

  // A model alone: its input is not wired, a problem.
  await dropKind(page, 'model', { x: 300, y: 200 });
  await expect(page.getByTestId('node-problems-model-1')).toBeVisible();
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-blocked')).toContainText('Fix');
  await expect(page.getByTestId('run-submit')).toBeDisabled();
  await page.keyboard.press('Escape');

  await page.keyboard.press(`${mod}+s`);
  await expect(page.getByTestId('rename-dialog')).toContainText('Save flow');
  await page.getByTestId('rename-name').fill('Half built');
  await expect(page.getByTestId('rename-id')).toHaveValue('half-built');
  await page.getByTestId('rename-apply').click();
  await expect(page.locator('.toast').filter({ hasText: 'Saved a draft as flows/half-built.flow.json' })).toBeVisible();
  await expect(page.locator('.toast').filter({ hasText: 'Not saved' })).toHaveCount(0);
  await expect(page.getByTestId('saved-marker')).toBeVisible();
  await shot(page, 'draft-saved');
  expect(existsSync(`${flowsDir()}/half-built.flow.json`)).toBe(true);
  expect(existsSync(`${flowsDir()}/untitled.flow.json`)).toBe(false);
  expect(JSON.parse(readFileSync(`${flowsDir()}/half-built.flow.json`, 'utf8')).nodes).toHaveLength(1);

  // Reopened, it is still the draft, problems and all.
  await page.reload();
  await expect(page.getByTestId('node-model-1')).toBeVisible();
  await expect(page.getByTestId('node-problems-model-1')).toBeVisible();
});
