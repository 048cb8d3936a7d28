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

test('prompt tokens served from the cache, and what they saved, show in the trace and the Cost tab', async ({ page, request }) => {
  const flow = { ...JSON.parse(readFlowFile('ticket-triage')), id: FLOW_ID, name: 'Cost cached' };
  delete flow.$schema;
  expect((await request.put(`/api/flows/${FLOW_ID}`, { data: flow })).ok()).toBe(true);
  // Over 1,024 prompt tokens and sent twice: the simulated endpoint serves the second from its cache, like OpenAI.
  const text = 'My invoice is wrong: I was charged twice for the same month. '.repeat(120);
  let state: { runId: string; steps: Record<string, { cachedInputTokens?: number; cachedSavingUsd?: number }> } | undefined;
  for (let index = 0; index < 2; index++) {
    const started = await request.post(`/api/flows/${FLOW_ID}/runs`, { data: { inputs: { text } } });
    const { runId } = (await started.json()) as { runId: string };
    await expect.poll(async () => ((await (await request.get(`/api/runs/${runId}`)).json()) as { status: string }).status, { timeout: 20_000 }).not.toBe('running');
    state = (await (await request.get(`/api/runs/${runId}`)).json()) as typeof state;
  }
  const classify = state!.steps['classify']!;
  expect(classify.cachedInputTokens).toBeGreaterThanOrEqual(1024);
  expect(classify.cachedSavingUsd).toBeGreaterThan(0);
  const shown = `${classify.cachedInputTokens!.toLocaleString('en-US')} cached · saved ${formatUsd(classify.cachedSavingUsd!)}`;

  await openFlow(page, FLOW_ID);
  await page.getByTestId('tab-history').click();
  await page.getByTestId('history-runs').getByTestId(`history-run-${state!.runId}`).click();
  await expect(page.getByTestId('run-trace').getByTestId('trace-cached-classify')).toHaveText(shown);
  await page.getByTestId('tab-cost').click();
  await expect(page.getByTestId('cost-cached')).toHaveText(`${classify.cachedInputTokens!.toLocaleString('en-US')} prompt tokens cached, saved ${formatUsd(classify.cachedSavingUsd!)}`);
});
