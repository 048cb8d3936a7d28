import { expect, test } from '@playwright/test';
import { subflowParent } from '../server/child-runs/testing/compose-flows.ts';
import { approvedShoutFlow } from '../server/child-runs/testing/server-flows.ts';
import { childRunId } from '../server/executors/children/child-run-id.ts';
import { shot } from './support/helpers.ts';

test("an approval inside a child run shows in the inbox naming the parent run; approving it finishes both; history lists the child under its parent", async ({ page, request }) => {
  const child = { ...approvedShoutFlow(), id: 'inbox-shout' };
  const parent = { ...subflowParent('inbox-shout'), id: 'inbox-parent', name: 'Inbox parent' };
  expect((await request.put('/api/flows/inbox-shout', { data: child })).ok()).toBe(true);
  const saved = await request.put('/api/flows/inbox-parent', { data: parent });
  expect(saved.ok()).toBe(true);
  expect((await saved.json()).problems).toBeUndefined();
  const started = await request.post('/api/flows/inbox-parent/runs', { data: { inputs: { text: 'inbox' } } });
  expect(started.status()).toBe(201);
  const { runId } = (await started.json()) as { runId: string };

  await page.goto('/');
  await page.getByTestId('tab-approvals').click();
  const card = page.locator('[data-testid^="approval-run-"]').filter({ has: page.getByTestId('approval-parent') }).filter({ hasText: 'INBOXinbox' });
  await expect(card).toBeVisible({ timeout: 20_000 });
  await expect(card.getByTestId('approval-parent')).toContainText('inside Inbox parent');
  await expect(card.getByTestId('approval-parent')).toContainText('call');
  await expect(card.getByTestId('approval-parent-run-id')).toHaveAttribute('title', runId);
  await shot(page, 'child-approval-inbox');
  await card.getByTestId('approve-button').click();
  await expect.poll(async () => ((await (await request.get(`/api/runs/${runId}`)).json()) as { status: string }).status, { timeout: 20_000 }).toBe('succeeded');

  // History lists the child run under its parent, not among the top-level runs.
  await page.goto('/');
  const row = page.getByTestId(`history-run-${runId}`);
  await expect(row).toBeVisible();
  await expect(page.getByTestId(`history-run-${childRunId(runId, 'call')}`)).toHaveCount(0);
  await row.getByTestId('history-child-toggle').click();
  await expect(row.getByTestId(`history-child-${childRunId(runId, 'call')}`)).toContainText('Shout');
  await shot(page, 'child-runs-in-history');
});
