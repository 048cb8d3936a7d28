import { describe, expect, it } from 'vitest';
import { READABLE_TEXT_PX, READABLE_ZOOM, readableViewport, SMALLEST_NODE_TEXT_PX } from './readable-view.ts';

describe('readableViewport', () => {
  const view = { width: 800, height: 600 };

  it('centres a flow that fits, at most at zoom 1', () => {
    const viewport = readableViewport({ x: 0, y: 0, width: 400, height: 200 }, view);
    expect(viewport.zoom).toBe(1);
    expect(viewport.x).toBe(200);
    expect(viewport.y).toBe(200);
  });

  it('zooms out to fit a flow a little too large for zoom 1, as far as its text stays readable', () => {
    const viewport = readableViewport({ x: 0, y: 0, width: 800, height: 400 }, view);
    expect(viewport.zoom).toBeLessThan(1);
    expect(viewport.zoom).toBeGreaterThanOrEqual(READABLE_ZOOM);
    expect(800 * viewport.zoom).toBeLessThanOrEqual(view.width);
    expect(viewport.x).toBeGreaterThanOrEqual(0);
  });

  it('never zooms out below the zoom at which the smallest text is 11 px', () => {
    expect(SMALLEST_NODE_TEXT_PX * READABLE_ZOOM).toBeGreaterThanOrEqual(READABLE_TEXT_PX);
    const viewport = readableViewport({ x: 100, y: 50, width: 2400, height: 1200 }, view);
    expect(viewport.zoom).toBe(READABLE_ZOOM);
    expect(SMALLEST_NODE_TEXT_PX * viewport.zoom).toBeGreaterThanOrEqual(READABLE_TEXT_PX);
    // Too wide and too tall to fit: it opens at the flow's start, its left and top edges in view.
    expect(viewport.x + 100 * viewport.zoom).toBeGreaterThan(0);
    expect(viewport.x + 100 * viewport.zoom).toBeLessThan(100);
    expect(viewport.y + 50 * viewport.zoom).toBeGreaterThan(0);
  });
});
