import { expect, test, type Page } from '@playwright/test';

/** The pane's transform: [x, y, zoom]. */
async function transformOf(page: Page): Promise<[number, number, number]> {
  return page.locator('.react-flow__viewport').evaluate((element) => {
    const matrix = new DOMMatrixReadOnly(getComputedStyle(element).transform);
    return [matrix.e, matrix.f, matrix.a] as [number, number, number];
  });
}

test('the minimap draws the flow and moves the view by drag, click and wheel', async ({ page }) => {
  await page.goto('/flows/ticket-triage');
  const minimap = page.getByTestId('minimap');
  await expect(minimap).toBeVisible();
  await expect(page.locator('[data-testid="canvas"][data-framed]')).toHaveCount(1);
  // Something was drawn: some pixel is not the background.
  const painted = await minimap.evaluate((canvas: HTMLCanvasElement) => {
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let count = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) count++;
    return count;
  });
  expect(painted).toBeGreaterThan(50);

  const box = (await minimap.boundingBox())!;
  const view = page.getByTestId('minimap-view');
  const viewBox = (await view.boundingBox())!;
  const before = await transformOf(page);
  // Drag the view rectangle 20 px right: the view moves right, the pane's x goes down.
  const startX = viewBox.x + viewBox.width / 2;
  const startY = viewBox.y + viewBox.height / 2;
  await page.mouse.move(startX, startY);
  await page.mouse.down();
  for (let step = 1; step <= 5; step++) await page.mouse.move(startX + step * 4, startY);
  await page.mouse.up();
  await expect.poll(async () => (await transformOf(page))[0]).toBeLessThan(before[0] - 5);
  const afterDrag = await transformOf(page);
  expect(afterDrag[2]).toBeCloseTo(before[2]);

  // A click in the minimap's top-left corner centres the view there: up and left of where it was.
  await page.mouse.click(box.x + 6, box.y + 6);
  await expect.poll(async () => (await transformOf(page))[0]).toBeGreaterThan(afterDrag[0]);
  expect((await transformOf(page))[1]).toBeGreaterThanOrEqual(afterDrag[1]);

  // Wheel up over the minimap zooms in.
  const zoomBefore = (await transformOf(page))[2];
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -200);
  await expect.poll(async () => (await transformOf(page))[2]).toBeGreaterThan(zoomBefore);
});

test('panning the pane puts the shield up only while dragging; a click on the pane still deselects', async ({ page }) => {
  await page.goto('/flows/ticket-triage');
  await expect(page.locator('[data-testid="canvas"][data-framed]')).toHaveCount(1);
  const canvas = page.getByTestId('canvas');
  const spot = await page.evaluate(() => {
    const box = document.querySelector('.react-flow__pane')!.getBoundingClientRect();
    for (let y = box.top + 60; y < box.bottom - 60; y += 17) {
      for (let x = box.left + 60; x < box.right - 300; x += 23) {
        if (document.elementFromPoint(x, y)?.classList.contains('react-flow__pane')) return { x, y };
      }
    }
    throw new Error('no empty spot on the pane');
  });
  const before = await transformOf(page);
  const dots = page.locator('.canvas-background-dots');
  const patternBefore = await dots.evaluate((element) => getComputedStyle(element).backgroundImage);
  await page.mouse.move(spot.x, spot.y);
  await page.mouse.down();
  for (let step = 1; step <= 10; step++) await page.mouse.move(spot.x + step * 8, spot.y);
  // While panning, the element under the pointer is the shield, not the pane or a node.
  expect(await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.className, { x: spot.x + 80, y: spot.y })).toBe('canvas-pan-shield');
  await expect(canvas).toHaveClass(/canvas-panning/);
  await page.mouse.up();
  await expect(canvas).not.toHaveClass(/canvas-panning/);
  await expect.poll(async () => (await transformOf(page))[0]).toBeGreaterThan(before[0] + 60);
  // The dot grid follows the pane by a transform within one tile (canvas-background.tsx); its pattern is untouched.
  const after = await transformOf(page);
  const tile = 16 * after[2];
  const dotsAt = await dots.evaluate((element) => new DOMMatrixReadOnly(getComputedStyle(element).transform).e);
  expect(dotsAt).toBeCloseTo((((after[0] % tile) + tile) % tile) - tile, 1);
  expect(await dots.evaluate((element) => getComputedStyle(element).backgroundImage)).toBe(patternBefore);
  expect(await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.className, { x: spot.x + 80, y: spot.y })).not.toBe('canvas-pan-shield');

  // A press that does not move is still the pane's click: it clears the selection.
  await page.locator('.react-flow__node').first().click({ position: { x: 40, y: 12 } });
  await expect(page.locator('.react-flow__node.selected')).toHaveCount(1);
  await page.mouse.click(spot.x, spot.y);
  await expect(page.locator('.react-flow__node.selected')).toHaveCount(0);
});
