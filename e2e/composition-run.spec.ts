/**
 * A map's run on the canvas: progress on the node, its item runs, each opening its run, and the
 * breadcrumb back to the parent run.
 *
 * The server does not run child runs yet (a subflow or map step there fails with 'no-child-runs'),
 * so the run is made by the real engine through `weft run --json` (real child runs, the simulated
 * model) and its event logs are served to the page under the REST routes the designer reads
 * (`GET /api/runs/:id/events`, `GET /api/runs/:id`), in the shapes of shared/wire. The parent's
 * log is cut where the map has finished one item of two: the canvas shows it as it was mid-run.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { runEventSchema, type RunEvent } from '../shared/events.ts';
import { foldEvents } from '../shared/run-state.ts';
import { runEventsAnswer, runStateAnswer } from '../shared/wire/rest-answers.ts';
import { flowsDir, shot } from './support/helpers.ts';

const repo = join(import.meta.dirname, '..');

function recordRun(): Map<string, RunEvent[]> {
  const output = execFileSync(process.execPath, [join(repo, 'bin/weft.mjs'), 'run', join(flowsDir(), 'triage-batch.flow.json'), '--input', JSON.stringify({ tickets: ['Refund my last invoice, please', 'The app crashes when I log in'] }), '--json'], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, OPENAI_API_KEY: '' },
  });
  const logs = new Map<string, RunEvent[]>();
  for (const line of output.split('\n').filter(Boolean)) {
    const event = runEventSchema.parse(JSON.parse(line));
    logs.set(event.runId, [...(logs.get(event.runId) ?? []), event]);
  }
  return logs;
}

async function serveRuns(page: Page, logs: Map<string, RunEvent[]>): Promise<void> {
  await page.route(
    (url) => /^\/api\/runs\/[^/]+(\/events)?$/.test(url.pathname) && logs.has(decodeURIComponent(url.pathname.split('/')[3]!)),
    async (route) => {
      const url = new URL(route.request().url());
      const runId = decodeURIComponent(url.pathname.split('/')[3]!);
      const log = logs.get(runId)!;
      if (url.pathname.endsWith('/events')) {
        const after = Number(url.searchParams.get('after') ?? 0);
        await route.fulfill({ json: runEventsAnswer.parse({ events: log.filter((event) => event.seq > after) }) });
      } else {
        await route.fulfill({ json: runStateAnswer.parse(foldEvents(log, runId)) });
      }
    },
  );
}

test("a map's run: progress on the node, its item runs, each opening its run, and the way back", async ({ page }) => {
  const logs = recordRun();
  const parentId = [...logs.keys()][0]!;
  const parentLog = logs.get(parentId)!;
  const children = parentLog.filter((event) => event.type === 'step.child');
  expect(children).toHaveLength(2);
  // Mid-run: the parent's log up to the map's first item ending.
  const cut = parentLog.findIndex((event) => event.type === 'step.progress' && event.done + event.failed === 1);
  logs.set(parentId, parentLog.slice(0, cut + 1));
  await serveRuns(page, logs);

  await page.goto(`/?flow=triage-batch&run=${parentId}`);
  await expect(page.getByTestId('node-progress-count-each')).toHaveText('1 / 2 done');
  await expect(page.getByTestId('node-progress-cost-each')).toContainText('so far');
  await shot(page, 'map-progress');

  await page.getByTestId('node-each').dblclick({ position: { x: 40, y: 12 } });
  const list = page.getByTestId('item-runs');
  await expect(list).toBeVisible();
  await expect(page.getByTestId('item-run-0')).toBeVisible();
  await expect(page.getByTestId('item-run-1')).toBeVisible();
  await expect(page.getByTestId('item-run-status-0')).toHaveText('Succeeded');
  await expect(page.getByTestId('item-run-status-1')).toHaveText('Succeeded');

  await page.getByTestId('item-run-open-1').click();
  const second = children.find((event) => event.type === 'step.child' && event.itemIndex === 1);
  const secondId = second?.type === 'step.child' ? second.childRunId : '';
  await expect(page.getByTestId('run-banner-id')).toHaveAttribute('title', secondId);
  await expect(page.getByTestId('node-classify')).toBeVisible();
  await expect(page.getByTestId('breadcrumb-here')).toContainText('classify-ticket');
  await expect(page.getByTestId('breadcrumb-0')).toContainText('triage-batch');

  await page.getByTestId('breadcrumb-0').click();
  await expect(page.getByTestId('run-banner-id')).toHaveAttribute('title', parentId);
  await expect(page.getByTestId('node-progress-count-each')).toHaveText('1 / 2 done');
  await expect(page.getByTestId('breadcrumb')).toHaveCount(0);

  // An item run opened by its address still names the run that started it, and goes back to it.
  await page.goto(`/?flow=triage-batch&run=${secondId}`);
  await expect(page.getByTestId('node-classify')).toBeVisible();
  await page.getByTestId('breadcrumb-parent').click();
  await expect(page.getByTestId('run-banner-id')).toHaveAttribute('title', parentId);
  await expect(page.getByTestId('node-progress-count-each')).toHaveText('1 / 2 done');
});
