import { describe, expect, it } from 'vitest';
import { dotGrid } from './background-geometry.ts';

describe('dot grid placement', () => {
  it('moves with the flow: a pan by whole tiles looks the same, a pan by part of one shifts the layer by it', () => {
    const at = dotGrid([10, 20, 1], 16, 1);
    expect(at).toMatchObject({ tile: 16, x: 10 - 16, y: (20 % 16) - 16 });
    expect(dotGrid([10 + 16 * 7, 20 - 16 * 3, 1], 16, 1)).toMatchObject({ x: at.x, y: at.y });
    expect(dotGrid([13, 20, 1], 16, 1).x - at.x).toBeCloseTo(3, 10);
  });

  it('keeps the layer within one tile of the corner for negative and large offsets, at any zoom', () => {
    for (const transform of [[-5, -1000.5, 0.85], [123456.7, 3, 2], [0, 0, 0.2]] as const) {
      const grid = dotGrid(transform, 16, 1);
      expect(grid.tile).toBeCloseTo(16 * transform[2], 10);
      for (const offset of [grid.x, grid.y]) {
        expect(offset).toBeGreaterThanOrEqual(-grid.tile);
        expect(offset).toBeLessThan(0);
      }
    }
  });

  it('scales dots with the zoom but never below half a pixel', () => {
    expect(dotGrid([0, 0, 2], 16, 1).radius).toBe(1);
    expect(dotGrid([0, 0, 0.2], 16, 1).radius).toBe(0.5);
  });
});
