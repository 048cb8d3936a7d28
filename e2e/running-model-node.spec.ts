import { expect, test, type Page } from '@playwright/test';
import { cancelRuns, shot } from './support/helpers.ts';
import { textsBelow } from './support/text-size.ts';
import { holdRunEvents } from './support/hold-run-events.ts';

/**
 * Holds the run's events at the browser's socket once the `cheap` step's streamed text has begun
 * its answer, so the test looks at a model node mid-stream (the simulated model replies in a
 * fraction of a second). The server and its events are real; the test only decides when the page
 * receives the rest. It holds only after the page's own subscription to the run has replayed (its
 * `subscribed` answer went through), so the page has every delta up to the hold. Returns the text
 * the page has been sent so far and a release.
 */
async function holdStreamMidAnswer(page: Page, nodeId: string) {
  const deltas = new Map<number, string>();
  let subscribed = false;
  const sent = () => [...deltas.entries()].sort(([a], [b]) => a - b).map(([, text]) => text).join('');
  const held = await holdRunEvents(page, ({ type, runId, event }) => {
    if (type === 'subscribed' && runId !== '*') subscribed = true;
    if (type === 'event' && event?.type === 'step.delta' && event.nodeId === nodeId) deltas.set(event.seq, event.text ?? '');
    // Hold once the answer's first characters are out: `"value":"` and something after it.
    return subscribed && /"value":"[^"]/.test(sent());
  });
  return { sent, ...held };
}

test('a running model node at the default view shows its model, and its answer streaming without the wire wrapper, in readable text', async ({ page, request }) => {
  const stream = await holdStreamMidAnswer(page, 'cheap');
  // Opened as a person opens it: no Fit view.
  await page.goto('/?flow=model-cascade');
  await expect(page.locator('[data-testid="canvas"][data-framed]')).toBeAttached();
  await expect(page.getByTestId('node-cheap')).toBeInViewport();
  await expect(page.getByTestId('node-summary-cheap')).toContainText('gpt-4.1-nano');

  await page.getByTestId('run-button').click();
  await page.getByTestId('run-input-question').fill('What is the capital of France?');
  await page.getByTestId('run-submit').click();

  await expect.poll(() => stream.holding(), { timeout: 20_000 }).toBe(true);
  const node = page.getByTestId('node-cheap');
  await expect(page.getByTestId('node-status-cheap')).toHaveText('running');
  await expect(node).toBeInViewport();
  const streamed = page.getByTestId('node-stream-cheap');
  await expect(streamed).not.toBeEmpty();
  // The wire carried the wrapper; the node shows the value inside it, as far as it has come.
  expect(stream.sent()).toContain('{"outcome"');
  const answerSoFar = /"value":"([^"]*)/.exec(stream.sent())![1]!;
  await expect(streamed).toHaveText(answerSoFar);
  await expect(streamed).not.toContainText('outcome');
  await expect(streamed).not.toContainText('{');
  await expect(node).toContainText('gpt-4.1-nano');
  expect(await textsBelow(page.locator('.react-flow__nodes'), 11)).toEqual([]);
  await shot(page, 'running-model-node-default-view');

  // The whole output, in a dialog that follows the stream: the answer, and the reply as received.
  await page.getByTestId('node-stream-expand-cheap').click();
  await expect(page.getByTestId('node-output-text-cheap')).toHaveText(answerSoFar);
  stream.release();
  await expect(page.getByTestId('node-status-cheap')).toHaveText('done', { timeout: 20_000 });
  const answer = await page.getByTestId('node-output-text-cheap').textContent();
  expect(answer!.startsWith(answerSoFar)).toBe(true);
  expect(answer).not.toContain('outcome');
  await page.getByTestId('node-output-raw-cheap').click();
  await expect(page.getByTestId('node-output-text-cheap')).toContainText('{"outcome"');
  await page.getByTestId('node-output-close-cheap').click();
  await expect(page.getByTestId('node-output-cheap')).toHaveCount(0);
  await expect(streamed).toHaveText(answer!);
  await cancelRuns(request, [new URL(page.url()).searchParams.get('run')!]);
});
