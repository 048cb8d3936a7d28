/**
 * The minimap's arithmetic, as plain functions: where the flow and the view fall on the minimap,
 * and which viewport a drag, a click or a wheel on it asks for. The minimap component draws and
 * listens; everything it computes is here, where it is tested without a browser.
 */

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

/** A React Flow transform: [x, y, zoom]. */
export type Transform = readonly [number, number, number];

/** How flow coordinates map onto the minimap: minimap px = (flow - origin) / scale. */
export interface MinimapFrame {
  originX: number;
  originY: number;
  /** Flow px per minimap px. */
  scale: number;
}

/** Space kept free around the drawing, in minimap px. */
export const MINIMAP_PADDING = 5;

/** The part of the flow the pane shows, in flow coordinates. */
export function viewOfTransform([x, y, zoom]: Transform, paneWidth: number, paneHeight: number): Rect {
  return { x: -x / zoom, y: -y / zoom, width: paneWidth / zoom, height: paneHeight / zoom };
}

/** The smallest rectangle holding both (either may be absent). */
export function unionRect(a: Rect | undefined, b: Rect | undefined): Rect | undefined {
  if (!a) return b;
  if (!b) return a;
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, width: Math.max(a.x + a.width, b.x + b.width) - x, height: Math.max(a.y + a.height, b.y + b.height) - y };
}

/**
 * Fits `bounds` (the nodes and the view, as React Flow's minimap does) into a minimap of the given
 * size, centred, with the same scale on both axes.
 */
export function minimapFrame(bounds: Rect, width: number, height: number, padding = MINIMAP_PADDING): MinimapFrame {
  const innerWidth = Math.max(1, width - 2 * padding);
  const innerHeight = Math.max(1, height - 2 * padding);
  const scale = Math.max(bounds.width / innerWidth, bounds.height / innerHeight, Number.EPSILON);
  return {
    originX: bounds.x + bounds.width / 2 - (width / 2) * scale,
    originY: bounds.y + bounds.height / 2 - (height / 2) * scale,
    scale,
  };
}

/** How much room a new frame leaves around the view when the view is what set it, so a pan does not change it every frame. */
const VIEW_ROOM = 0.25;
/** A kept frame may show the flow at most this many times smaller than a fresh one would. */
const MAX_SHRINK = 2;

function contains(frame: MinimapFrame, rect: Rect, width: number, height: number): boolean {
  const box = toMinimap(frame, rect);
  return box.x >= 0 && box.y >= 0 && box.x + box.width <= width && box.y + box.height <= height;
}

/**
 * The frame for this draw. The minimap shows the nodes and the view; while the view sticks out of
 * the flow (a small flow, or a pan past its edge) each move of the view would change the frame, and
 * with it every node rectangle, each frame. So the previous frame is kept while it still holds the
 * nodes and the view and does not show the flow too small, and a frame the view sets leaves it room.
 */
export function nextMinimapFrame(previous: MinimapFrame | undefined, content: Rect | undefined, view: Rect, width: number, height: number): MinimapFrame {
  const fresh = minimapFrame(unionRect(content, view)!, width, height);
  if (previous && contains(previous, view, width, height) && (!content || contains(previous, content, width, height)) && previous.scale <= fresh.scale * MAX_SHRINK) return previous;
  const viewSticksOut = !content || unionRect(content, view)!.width > content.width || unionRect(content, view)!.height > content.height;
  if (!viewSticksOut) return fresh;
  const room = { x: view.x - view.width * VIEW_ROOM, y: view.y - view.height * VIEW_ROOM, width: view.width * (1 + 2 * VIEW_ROOM), height: view.height * (1 + 2 * VIEW_ROOM) };
  return minimapFrame(unionRect(content, room)!, width, height);
}

/** A flow rectangle in minimap px. */
export function toMinimap(frame: MinimapFrame, rect: Rect): Rect {
  return { x: (rect.x - frame.originX) / frame.scale, y: (rect.y - frame.originY) / frame.scale, width: rect.width / frame.scale, height: rect.height / frame.scale };
}

/** A minimap point in flow coordinates. */
export function toFlow(frame: MinimapFrame, x: number, y: number): { x: number; y: number } {
  return { x: frame.originX + x * frame.scale, y: frame.originY + y * frame.scale };
}

/** The viewport after dragging the minimap's view rectangle by (dx, dy) minimap px: the rectangle follows the pointer. */
export function panByMinimapDrag([x, y, zoom]: Transform, dx: number, dy: number, frame: MinimapFrame): Viewport {
  return { x: x - dx * frame.scale * zoom, y: y - dy * frame.scale * zoom, zoom };
}

/** The viewport, at the same zoom, that centres the pane on a flow point. */
export function centreOn(point: { x: number; y: number }, zoom: number, paneWidth: number, paneHeight: number): Viewport {
  return { x: paneWidth / 2 - point.x * zoom, y: paneHeight / 2 - point.y * zoom, zoom };
}

/** The zoom a wheel step asks for, as React Flow's minimap computes it, kept within the canvas's limits. */
export function wheelZoom(zoom: number, deltaY: number, deltaMode: number, minZoom: number, maxZoom: number): number {
  const step = -deltaY * (deltaMode === 1 ? 0.05 : deltaMode ? 1 : 0.002);
  return Math.min(maxZoom, Math.max(minZoom, zoom * Math.pow(2, step)));
}
