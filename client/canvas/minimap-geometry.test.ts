import { describe, expect, it } from 'vitest';
import { centreOn, minimapFrame, nextMinimapFrame, panByMinimapDrag, toFlow, toMinimap, unionRect, viewOfTransform, wheelZoom } from './minimap-geometry.ts';

describe('minimap geometry', () => {
  it('reads the view from a transform', () => {
    expect(viewOfTransform([-200, 100, 0.5], 800, 600)).toEqual({ x: 400, y: -200, width: 1600, height: 1200 });
  });

  it('unites rectangles, either of which may be missing', () => {
    expect(unionRect(undefined, { x: 1, y: 2, width: 3, height: 4 })).toEqual({ x: 1, y: 2, width: 3, height: 4 });
    expect(unionRect({ x: 0, y: 0, width: 10, height: 10 }, { x: 5, y: -5, width: 10, height: 10 })).toEqual({ x: 0, y: -5, width: 15, height: 15 });
  });

  it('fits the bounds inside the padding, centred, with one scale for both axes', () => {
    const bounds = { x: 1000, y: 0, width: 3200, height: 1000 };
    const frame = minimapFrame(bounds, 168, 112, 4);
    expect(frame.scale).toBeCloseTo(3200 / 160);
    const box = toMinimap(frame, bounds);
    expect(box.x).toBeCloseTo(4);
    expect(box.x + box.width).toBeCloseTo(164);
    // Narrower than the minimap's shape: centred vertically.
    expect(box.y + box.height / 2).toBeCloseTo(56);
  });

  it('maps minimap points back to the flow', () => {
    const frame = minimapFrame({ x: -500, y: 200, width: 1000, height: 800 }, 168, 112);
    const point = toFlow(frame, 30, 40);
    const back = toMinimap(frame, { ...point, width: 0, height: 0 });
    expect(back.x).toBeCloseTo(30);
    expect(back.y).toBeCloseTo(40);
  });

  it('moves the view with a drag so its rectangle follows the pointer', () => {
    const frame = minimapFrame({ x: 0, y: 0, width: 10_000, height: 5_000 }, 168, 112);
    const before: [number, number, number] = [-1000, -500, 0.4];
    const after = panByMinimapDrag(before, 10, -5, frame);
    const moved = viewOfTransform([after.x, after.y, after.zoom], 1200, 800);
    const was = viewOfTransform(before, 1200, 800);
    expect((moved.x - was.x) / frame.scale).toBeCloseTo(10);
    expect((moved.y - was.y) / frame.scale).toBeCloseTo(-5);
    expect(after.zoom).toBe(0.4);
  });

  it('centres the view on a flow point at the same zoom', () => {
    const viewport = centreOn({ x: 3000, y: 1000 }, 0.5, 1200, 800);
    const view = viewOfTransform([viewport.x, viewport.y, viewport.zoom], 1200, 800);
    expect(view.x + view.width / 2).toBeCloseTo(3000);
    expect(view.y + view.height / 2).toBeCloseTo(1000);
  });

  it('keeps its frame while the view moves within it, so a pan does not redraw the nodes', () => {
    const content = { x: 0, y: 0, width: 1000, height: 500 };
    // A view larger than the flow (a small flow): the view sets the frame, with room to move.
    const first = nextMinimapFrame(undefined, content, { x: -500, y: -300, width: 2000, height: 1200 }, 168, 112);
    const panned = nextMinimapFrame(first, content, { x: -400, y: -250, width: 2000, height: 1200 }, 168, 112);
    expect(panned).toBe(first);
    // Far past the frame's edge: a new frame that holds the view.
    const far = nextMinimapFrame(first, content, { x: 3000, y: -300, width: 2000, height: 1200 }, 168, 112);
    expect(far).not.toBe(first);
    const view = toMinimap(far, { x: 3000, y: -300, width: 2000, height: 1200 });
    expect(view.x).toBeGreaterThanOrEqual(0);
    expect(view.x + view.width).toBeLessThanOrEqual(168);
  });

  it('drops a kept frame that shows the flow much smaller than a fresh one', () => {
    const content = { x: 0, y: 0, width: 10_000, height: 5_000 };
    const wide = nextMinimapFrame(undefined, content, { x: -20_000, y: -10_000, width: 50_000, height: 30_000 }, 168, 112);
    const inside = { x: 2000, y: 1000, width: 1440, height: 900 };
    const next = nextMinimapFrame(wide, content, inside, 168, 112);
    expect(next).not.toBe(wide);
    expect(next).toEqual(minimapFrame(content, 168, 112));
  });

  it('zooms in for a wheel up and out for a wheel down, within the limits', () => {
    expect(wheelZoom(1, -100, 0, 0.2, 2)).toBeGreaterThan(1);
    expect(wheelZoom(1, 100, 0, 0.2, 2)).toBeLessThan(1);
    expect(wheelZoom(1.9, -5_000, 0, 0.2, 2)).toBe(2);
    expect(wheelZoom(0.25, 5_000, 0, 0.2, 2)).toBe(0.2);
  });
});
