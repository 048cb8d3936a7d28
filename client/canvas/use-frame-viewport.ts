/**
 * Panning a large flow at the screen's rate. Two costs of a pan grow with each mouse move, not with
 * each frame, and a browser delivers several moves a frame:
 *
 * - React Flow writes every move's transform into its store, and every store change re-runs its
 *   checks of which nodes and wires are in view (over all of them). Here the viewport is
 *   controlled: the pane still moves its own transform (d3-zoom) on each move, but the store gets
 *   the latest transform once a frame. A viewport set by code (fit view, zoom buttons, the
 *   minimap) reaches the store at once, so whoever set it reads it back at once.
 * - The browser finds the element under the pointer for each move (hit-testing), which walks every
 *   node, port and wire in view, and repaints everything in view for each frame the view moves.
 *   Once the pane has moved a few px, the canvas is marked as panning (`canvas-panning`) until the
 *   pan ends: a transparent shield covers it, so that search stops at the shield, and the view's
 *   layer is composited on its own (`will-change: transform`), so a frame moves the drawn layer
 *   instead of drawing it again. The pane follows the pointer through window listeners, which the
 *   shield does not stop; a press that does not move is still the pane's click. (The layer is not
 *   kept outside a pan: a layer zoomed after it was drawn shows blurred text.)
 */
import { useStoreApi, type Viewport } from '@xyflow/react';
import { useCallback, useEffect, useRef, useState, type RefObject } from 'react';
import { createFrameBatcher } from '../state/frame-batcher.ts';

/** How far (px) the pane moves under a pressed button before it counts as panning. */
const SHIELD_AFTER_PX = 4;

/** The props that give `<ReactFlow>` a viewport applied once a frame, and the shield while panning. */
export interface FrameViewportProps {
  viewport: Viewport;
  onViewportChange: (viewport: Viewport) => void;
  onMoveStart: (event: MouseEvent | TouchEvent | null, viewport: Viewport) => void;
  onMove: (event: MouseEvent | TouchEvent | null, viewport: Viewport) => void;
  onMoveEnd: (event: MouseEvent | TouchEvent | null, viewport: Viewport) => void;
}

/** The class on the canvas's root while the pane is dragged (styles.css). */
export const PANNING_CLASS = 'canvas-panning';

export function useFrameViewport(rootRef: RefObject<HTMLElement | null>): FrameViewportProps {
  const store = useStoreApi();
  // Given once: React Flow syncs the pane to this prop only when it changes, which it never does.
  const [viewport] = useState<Viewport>(() => ({ x: 0, y: 0, zoom: 1 }));
  const [batcher] = useState(() =>
    createFrameBatcher<Viewport>((viewports) => {
      const last = viewports[viewports.length - 1]!;
      const [x, y, zoom] = store.getState().transform;
      if (last.x !== x || last.y !== y || last.zoom !== zoom) store.setState({ transform: [last.x, last.y, last.zoom] });
    }),
  );
  const panStart = useRef<Viewport | undefined>(undefined);

  const setPanning = useCallback((panning: boolean) => rootRef.current?.classList.toggle(PANNING_CLASS, panning), [rootRef]);

  useEffect(() => () => batcher.flush(), [batcher]);

  const onViewportChange = useCallback((next: Viewport) => batcher.push(next), [batcher]);

  const onMoveStart = useCallback((event: MouseEvent | TouchEvent | null, at: Viewport) => {
    panStart.current = event?.type === 'mousedown' ? at : undefined;
  }, []);

  const onMove = useCallback(
    (event: MouseEvent | TouchEvent | null, at: Viewport) => {
      // No event: code set the viewport (fit view, zoom buttons, minimap): apply it now.
      if (!event) batcher.flush();
      const start = panStart.current;
      if (start && Math.hypot(at.x - start.x, at.y - start.y) >= SHIELD_AFTER_PX) {
        panStart.current = undefined;
        setPanning(true);
      }
    },
    [batcher, setPanning],
  );

  const onMoveEnd = useCallback(() => {
    panStart.current = undefined;
    setPanning(false);
    batcher.flush();
  }, [batcher, setPanning]);

  return { viewport, onViewportChange, onMoveStart, onMove, onMoveEnd };
}
