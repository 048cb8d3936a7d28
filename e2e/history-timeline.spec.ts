import { expect, test } from '@playwright/test';
import { cancelRuns, shot } from './support/helpers.ts';

const started: string[] = [];
test.afterEach(({ request }) => cancelRuns(request, started.splice(0)));
import { textsBelow } from './support/text-size.ts';

test('run history of every flow: filters, a timeline beside the trace, run again, and two runs side by side', async ({ page, request }) => {
  const triage = async (text: string) => {
    const response = await request.post('/api/flows/ticket-triage/runs', { data: { inputs: { text } } });
    const { runId } = (await response.json()) as { runId: string };
    started.push(runId);
    return runId;
  };
  const first = await triage('My export to CSV fails with an error');
  const second = await triage('Please delete my account and all my data');
  const cascade = await request.post('/api/flows/model-cascade/runs', { data: { inputs: { question: 'What is the capital of France?' } } });
  const cascadeRun = (await cascade.json()).runId as string;
  started.push(cascadeRun);
  for (const runId of [first, second, cascadeRun]) {
    await expect.poll(async () => (await (await request.get(`/api/runs/${runId}`)).json()).status, { timeout: 20_000 }).not.toBe('running');
  }

  await page.goto('/?flow=ticket-triage');
  await page.getByTestId('tab-history').click();
  const list = page.getByTestId('history-runs');
  // Runs of every flow, each with its inputs.
  await expect(list.getByTestId(`history-run-${cascadeRun}`)).toContainText('capital of France');
  await expect(list.getByTestId(`history-run-${first}`)).toContainText('export to CSV');
  await expect(list.getByTestId(`history-run-${first}`)).toContainText('by —');
  await page.getByTestId('filter-flow').selectOption('model-cascade');
  await expect(list.getByTestId(`history-run-${first}`)).toHaveCount(0);
  await expect(list.getByTestId(`history-run-${cascadeRun}`)).toBeVisible();
  await page.getByTestId('filter-flow').selectOption('');
  await page.getByTestId('filter-status').selectOption('failed');
  await expect(list.locator('[data-testid^="history-run-run-"]')).toHaveCount(0);
  await page.getByTestId('filter-status').selectOption('');

  await list.getByTestId(`history-run-${first}`).click();
  const timeline = page.getByTestId('run-timeline');
  await expect(timeline).toBeVisible();
  for (const step of ['ticket', 'classify']) await expect(timeline.getByTestId(`timeline-row-${step}`)).toBeVisible();
  await expect(timeline.getByTestId('timeline-bar-classify-1')).toHaveAttribute('data-outcome', 'succeeded');
  await expect(timeline.getByTestId('timeline-row-classify')).toContainText('tokens');
  await expect(page.getByTestId('run-trace')).toContainText('Trace');
  await shot(page, 'history-timeline');
  expect(await textsBelow(timeline, 11)).toEqual([]);

  // Two runs side by side.
  await page.getByTestId('compare-with').selectOption(second);
  const compare = page.getByTestId('compare-runs');
  await expect(compare.getByTestId('compare-inputs')).toContainText('export to CSV');
  await expect(compare.getByTestId('compare-inputs')).toContainText('delete my account');
  await expect(compare.getByTestId('compare-step-classify')).toBeVisible();
  await expect(compare.getByTestId('compare-cost')).toContainText('$');
  await shot(page, 'history-compare');
  await compare.getByRole('button', { name: 'Close' }).click();

  // Run again with the same inputs: a new run, on the canvas.
  await page.getByTestId('tab-history').click();
  await page.getByTestId('run-again').click();
  await expect(page.getByTestId('run-status')).not.toHaveText('Loading…');
  const again = new URL(page.url()).searchParams.get('run');
  expect(again).toBeTruthy();
  expect(again).not.toBe(first);
  started.push(again!);
  const state = await (await request.get(`/api/runs/${again}`)).json();
  expect(state.inputs).toEqual({ text: 'My export to CSV fails with an error' });
});
