import { expect, test } from '@playwright/test';
import { formatUsd } from '../shared/pricing.ts';
import { openFlow, readFlowFile, shot } from './support/helpers.ts';

const FLOW_ID = 'cost-capped';

test.afterEach(async ({ request }) => {
  await request.delete(`/api/flows/${FLOW_ID}`);
});

test('the Cost tab charts spend per day and shows what a flow\'s spend cap has left', async ({ page, request }) => {
  // ticket-triage with a day cap, saved under its own id so other tests' runs do not count.
  const flow = { ...JSON.parse(readFlowFile('ticket-triage')), id: FLOW_ID, name: 'Cost capped', settings: { spendCaps: [{ period: 'day', usd: 0.5 }] } };
  delete flow.$schema;
  expect((await request.put(`/api/flows/${FLOW_ID}`, { data: flow })).ok()).toBe(true);
  for (const text of ['My invoice is wrong', 'The app crashes when I log in']) {
    const started = await request.post(`/api/flows/${FLOW_ID}/runs`, { data: { inputs: { text } } });
    expect(started.ok()).toBe(true);
    const { runId } = (await started.json()) as { runId: string };
    await expect.poll(async () => ((await (await request.get(`/api/runs/${runId}`)).json()) as { status: string }).status, { timeout: 20_000 }).not.toBe('running');
  }
  const view = (await (await request.get(`/api/cost?flowId=${FLOW_ID}`)).json()) as { totalUsd: number; byDay: Array<{ day: string; usd: number }>; caps: Array<{ leftUsd: number }> };
  expect(view.totalUsd).toBeGreaterThan(0);

  await openFlow(page, FLOW_ID);
  await page.getByTestId('tab-cost').click();
  await expect(page.getByTestId('cost-total')).toHaveText(formatUsd(view.totalUsd));
  const today = view.byDay.at(-1)!;
  const bar = page.getByTestId('cost-chart').getByTestId(`cost-day-${today.day}`);
  await expect(bar).toHaveAttribute('data-usd', String(today.usd));
  await expect(bar.locator('title')).toHaveText(`${today.day}: ${formatUsd(today.usd)}`);
  await expect(page.getByTestId(`cost-cap-left-${FLOW_ID}-day`)).toHaveText(`${formatUsd(0.5 - view.totalUsd)} left`);
  expect(view.caps[0]!.leftUsd).toBeCloseTo(0.5 - view.totalUsd, 12);
  await shot(page, 'cost-view');
});
