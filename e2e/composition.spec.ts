import { expect, test } from '@playwright/test';
import { dragWire, dropKind, handle, mod, openFlow, shot } from './support/helpers.ts';

test("a subflow node takes its ports from the flow it calls; a wire that does not fit is refused, one whose port vanished is flagged", async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('new-flow-button').click();
  await dropKind(page, 'input', { x: 120, y: 200 });
  await dropKind(page, 'subflow', { x: 460, y: 200 });
  const node = page.getByTestId('node-subflow-1');
  await expect(node).toBeVisible();
  // Dropped with the palette's default child: its ports are that flow's fields.
  await expect(page.getByTestId('port-subflow-1-in-text')).toContainText('string');
  await expect(page.getByTestId('port-subflow-1-out-classification')).toContainText('json');

  // Another child, picked from the saved flows: the node's ports follow.
  await node.click({ position: { x: 40, y: 12 } });
  await page.getByTestId('config-flow').selectOption('classify-ticket');
  for (const port of ['urgent', 'billing', 'queue']) await expect(page.getByTestId(`port-subflow-1-out-${port}`)).toBeVisible();
  await expect(page.getByTestId('port-subflow-1-out-classification')).toHaveCount(0);
  await dragWire(page, handle(page, 'input-1', 'out', 'text'), handle(page, 'subflow-1', 'in', 'text'));
  await expect(page.locator('.react-flow__edge')).toHaveCount(1);

  // A child without that input: the wire stays, drawn to its vanished port and flagged.
  await page.getByTestId('config-flow').selectOption('model-cascade');
  await expect(page.getByTestId('port-subflow-1-in-question')).toContainText('string');
  await expect(page.getByTestId('port-subflow-1-in-text')).toHaveClass(/port-vanished/);
  await expect(page.locator('.react-flow__edge')).toHaveCount(1);
  await expect(page.locator('.react-flow__edge.edge-problem')).toHaveCount(1);
  await expect(page.getByTestId('node-problems-subflow-1')).toBeVisible();
  await shot(page, 'subflow-ports');

  // A number cannot feed the child's string input: refused while dragging, saying why.
  await page.getByTestId('node-input-1').click({ position: { x: 40, y: 12 } });
  await page.getByTestId('config-fields-type-0').selectOption('number');
  await dragWire(page, handle(page, 'input-1', 'out', 'text'), handle(page, 'subflow-1', 'in', 'question'), async () => {
    await expect(page.getByTestId('wire-hint')).toContainText('number cannot feed string');
  });
  await expect(page.locator('.react-flow__edge')).toHaveCount(1);

  // Saved (a draft: it has problems), double-clicking the node opens the child; the breadcrumb goes back.
  await page.getByTestId('flow-name').click();
  await page.getByTestId('rename-name').fill('Calls a child');
  await page.getByTestId('rename-apply').click();
  await page.getByTestId('canvas').click({ position: { x: 700, y: 600 } });
  await page.keyboard.press(`${mod}+s`);
  await expect(page.getByTestId('saved-marker')).toBeVisible();
  await node.dblclick({ position: { x: 40, y: 12 } });
  await expect(page.getByTestId('flow-name')).toContainText('model-cascade');
  await expect(page.getByTestId('breadcrumb')).toContainText('Calls a child');
  await expect(page.getByTestId('breadcrumb-here')).toHaveText('Cheap model first, escalate when unsure');
  await page.getByTestId('breadcrumb-0').click();
  await expect(page.getByTestId('flow-name')).toContainText('calls-a-child');
  await expect(page.getByTestId('breadcrumb')).toHaveCount(0);
  // The wire to the vanished port was saved with the flow, and is still flagged.
  await expect(page.getByTestId('port-subflow-1-in-text')).toHaveClass(/port-vanished/);
  await expect(page.locator('.react-flow__edge.edge-problem')).toHaveCount(1);
});

test('double-clicking a map node opens the flow it calls; the breadcrumb goes back to the parent', async ({ page }) => {
  await openFlow(page, 'triage-batch', ['each']);
  await expect(page.getByTestId('port-each-in-items')).toContainText('json');
  await expect(page.getByTestId('port-each-out-results')).toBeVisible();
  await expect(page.getByTestId('port-each-out-failures')).toBeVisible();
  await expect(page.locator('.react-flow__edge')).toHaveCount(3);
  await expect(page.getByTestId('node-problems-each')).toHaveCount(0);

  await page.getByTestId('node-each').dblclick({ position: { x: 40, y: 12 } });
  await expect(page.getByTestId('flow-name')).toContainText('classify-ticket');
  await expect(page.getByTestId('node-classify')).toBeVisible();
  await expect(page.getByTestId('breadcrumb')).toContainText('Triage a batch of tickets');
  await expect(page.getByTestId('breadcrumb-here')).toHaveText('Classify and route one ticket');
  // The child's switch says each case in words beside its port.
  await expect(page.getByTestId('port-caption-route-urgent')).toHaveText('urgency is "high"');
  await expect(page.getByTestId('port-caption-route-queue')).toHaveText('otherwise');
  await shot(page, 'child-flow-breadcrumb');

  await page.getByTestId('breadcrumb-0').click();
  await expect(page.getByTestId('flow-name')).toContainText('triage-batch');
  await expect(page.getByTestId('node-each')).toBeVisible();
  await expect(page.getByTestId('breadcrumb')).toHaveCount(0);
});
