import { expect, test } from '@playwright/test';
import { flow } from '../shared/testing/flow-builder.ts';

const echo = flow('paged-history', 'Paged history').input('ticket', { text: 'string' }).output('result', { text: 'string' }).wire('ticket.text', 'result.text').build();

test('the history shows the newest runs a page at a time; "Show older runs" adds the next page, with no run twice', async ({ page, request }) => {
  // More runs than one page (50), whatever the other tests left.
  const runIds: string[] = [];
  for (let index = 0; index < 55; index += 1) {
    const response = await request.post('/api/runs', { data: { flow: echo, inputs: { text: `paged ${index}` } } });
    expect(response.status()).toBe(201);
    runIds.push(((await response.json()) as { runId: string }).runId);
  }
  await expect.poll(async () => (await (await request.get(`/api/runs/${runIds.at(-1)}`)).json()).status, { timeout: 20_000 }).toBe('succeeded');

  await page.goto('/');
  await page.getByTestId('tab-history').click();
  const list = page.getByTestId('history-runs');
  const rows = list.locator('li[data-testid^="history-run-run-"]');
  await expect(rows).toHaveCount(50);
  // The newest run is first.
  await expect(rows.first()).toHaveAttribute('data-testid', `history-run-${runIds.at(-1)}`);
  await list.getByTestId('history-more').click();
  await expect.poll(async () => rows.count()).toBeGreaterThan(50);
  const ids = await rows.evaluateAll((items) => items.map((item) => item.getAttribute('data-testid')));
  expect(new Set(ids).size).toBe(ids.length);
  // Our 55 runs are all there now, newest first, one after the other.
  const ours = ids.filter((id) => runIds.includes(id!.replace('history-run-', '')));
  expect(ours).toEqual([...runIds].reverse().map((runId) => `history-run-${runId}`));
});
