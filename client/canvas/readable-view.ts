/**
 * Where a flow opens: framed to fit, but never zoomed out so far that its text cannot be read.
 * The smallest text on a node is 13 px (styles.css, `.weft-node` and what it holds), so down to
 * zoom 0.85 it is at least 11 px on screen (at the old fit of 0.6 it was about 7 px). A flow too
 * large to fit at that zoom opens at its start (its left edge, where its inputs are) instead; Fit
 * view and the mouse wheel still show all of it, and below this zoom each node shows its overview
 * (`.node-overview`: kind, label and the first summary line in large type) instead of its details.
 */
export const READABLE_ZOOM = 0.85;
export const SMALLEST_NODE_TEXT_PX = 13;
/** The smallest text, in px on screen, that counts as readable. */
export const READABLE_TEXT_PX = 11;

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Viewport {
  x: number;
  y: number;
  zoom: number;
}

export function readableViewport(bounds: Rect, view: { width: number; height: number }, padding = 0.08, maxZoom = 1): Viewport {
  const paddedWidth = bounds.width * (1 + 2 * padding);
  const paddedHeight = bounds.height * (1 + 2 * padding);
  const fit = Math.min(view.width / Math.max(paddedWidth, 1), view.height / Math.max(paddedHeight, 1), maxZoom);
  const zoom = Math.max(fit, Math.min(READABLE_ZOOM, maxZoom));
  const margin = Math.min(view.width, view.height) * padding * 0.5;
  const centred = (size: number, start: number, extent: number) => (size - extent * zoom) / 2 - start * zoom;
  const x = bounds.width * zoom <= view.width ? centred(view.width, bounds.x, bounds.width) : margin - bounds.x * zoom;
  const y = bounds.height * zoom <= view.height ? centred(view.height, bounds.y, bounds.height) : margin - bounds.y * zoom;
  return { x, y, zoom };
}
