/**
 * Where the canvas's dot grid goes for a view: one tile of `gap * zoom` px, and the offset (in
 * [-tile, 0)) at which a layer of such tiles must sit so the dots stay put in flow coordinates.
 * Pure, so the placement is tested without a browser.
 */
export interface DotGrid {
  /** Tile size on screen, px. */
  tile: number;
  /** Radius of a dot on screen, px. */
  radius: number;
  /** Translation of the tile layer, px: always within one tile to the left of / above the pane's corner. */
  x: number;
  y: number;
}

/** Keeps the dots visible when far out (React Flow's own dots shrink to nothing). */
const MIN_RADIUS_PX = 0.5;

export function dotGrid(transform: readonly [number, number, number], gap: number, dotSize: number): DotGrid {
  const [x, y, zoom] = transform;
  const tile = Math.max(gap * zoom, 1);
  const phase = (value: number): number => ((value % tile) + tile) % tile;
  return { tile, radius: Math.max((dotSize * zoom) / 2, MIN_RADIUS_PX), x: phase(x) - tile, y: phase(y) - tile };
}
