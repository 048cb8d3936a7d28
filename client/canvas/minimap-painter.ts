/**
 * Draws the minimap's nodes on one `<canvas>`, a rectangle per node, and says where the view's
 * rectangle goes. The canvas is drawn again only when the nodes change or the minimap's frame does
 * (`nextMinimapFrame`: the view leaving what the minimap shows); a frame in which only the view
 * moved (a pan) leaves the canvas alone, since every canvas update makes the browser repaint the page. The
 * view rectangle is an element over the canvas, moved by a composited transform.
 */
import { nextMinimapFrame, toMinimap, unionRect, viewOfTransform, type MinimapFrame, type Rect, type Transform } from './minimap-geometry.ts';

/** A node as the minimap sees it: a box in flow coordinates and its colour. */
export interface MinimapNode {
  x: number;
  y: number;
  width: number;
  height: number;
  colour: string;
}

export interface MinimapScene {
  /** Whether the nodes (their boxes or colours) changed since the last draw. */
  nodesChanged: boolean;
  nodes: () => Iterable<MinimapNode>;
  transform: Transform;
  paneWidth: number;
  paneHeight: number;
}

export interface MinimapPainter {
  /** Draws the nodes if they or the scale changed; returns where the view goes, in minimap px. */
  draw(scene: MinimapScene): Rect;
  /** The mapping of the last draw, for turning pointer positions into flow coordinates. */
  frame(): MinimapFrame | undefined;
}
/** Nodes thinner than this on the minimap are drawn this wide, so a far-out flow still shows. */
const MIN_NODE_PX = 1;

export function createMinimapPainter(canvas: HTMLCanvasElement, width: number, height: number, pixelRatio = 1): MinimapPainter {
  canvas.width = Math.round(width * pixelRatio);
  canvas.height = Math.round(height * pixelRatio);
  const context = canvas.getContext('2d');
  let nodes: MinimapNode[] = [];
  let contentBounds: Rect | undefined;
  let drawnFrame: MinimapFrame | undefined;

  const drawNodes = (frame: MinimapFrame): void => {
    drawnFrame = frame;
    if (!context) return;
    context.setTransform(pixelRatio, 0, 0, pixelRatio, 0, 0);
    context.clearRect(0, 0, width, height);
    let colour = '';
    for (const node of nodes) {
      if (node.colour !== colour) {
        colour = node.colour;
        context.fillStyle = colour;
      }
      const box = toMinimap(frame, node);
      context.fillRect(box.x, box.y, Math.max(box.width, MIN_NODE_PX), Math.max(box.height, MIN_NODE_PX));
    }
  };

  return {
    draw(scene) {
      let redraw = drawnFrame === undefined;
      if (scene.nodesChanged) {
        nodes = [...scene.nodes()];
        contentBounds = undefined;
        for (const node of nodes) contentBounds = unionRect(contentBounds, node);
        redraw = true;
      }
      const view = viewOfTransform(scene.transform, scene.paneWidth, scene.paneHeight);
      const frame = nextMinimapFrame(drawnFrame, contentBounds, view, width, height);
      if (redraw || frame !== drawnFrame) drawNodes(frame);
      return toMinimap(frame, view);
    },
    frame: () => drawnFrame,
  };
}
