/**
 * The canvas's minimap, its nodes drawn on one `<canvas>` rather than as an SVG shape per node
 * (React Flow's `<MiniMap>`), whose thousands of shapes and per-node store selectors cost a large
 * flow its frame rate while panning. It listens to React Flow's store without re-rendering and
 * updates at most once a frame; a frame in which only the view moved moves the view rectangle (an
 * element over the canvas) and costs the same for 10 nodes as for 2,000.
 *
 * Nodes are coloured by kind, or, while a run is shown, by their step when it is running, waiting
 * or failed. Drag on it to move the view (the view rectangle follows the pointer), click to centre
 * the view on a spot, wheel to zoom.
 */
import { Panel, useReactFlow, useStoreApi, type InternalNode } from '@xyflow/react';
import { useEffect, useRef, type PointerEvent as ReactPointerEvent } from 'react';
import { registry } from '../../shared/kinds/registry.ts';
import type { RunState } from '../../shared/run-state.ts';
import { useRun } from '../state/run-store.ts';
import type { WeftCanvasEdge, WeftCanvasNode } from './flow-mapping.ts';
import { centreOn, panByMinimapDrag, toFlow, wheelZoom, type Viewport } from './minimap-geometry.ts';
import { createMinimapPainter, type MinimapNode, type MinimapPainter } from './minimap-painter.ts';

export const MINIMAP_WIDTH = 168;
export const MINIMAP_HEIGHT = 112;
/** A press that moves less than this (px) is a click: it centres the view there. */
const CLICK_SLOP = 3;
const UNKNOWN_KIND = '#c7ccd4';
const STATUS_COLOUR: Partial<Record<string, string>> = { running: '#2f6fd6', waiting: '#c07a12', failed: '#d64545' };

const kindColours = new Map<string, string>();
function kindColour(kind: string): string {
  let colour = kindColours.get(kind);
  if (colour === undefined) {
    colour = registry.get(kind)?.colour ?? UNKNOWN_KIND;
    kindColours.set(kind, colour);
  }
  return colour;
}

function* minimapNodes(lookup: ReadonlyMap<string, InternalNode<WeftCanvasNode>>, run: RunState | null): Iterable<MinimapNode> {
  const steps = run?.steps;
  for (const node of lookup.values()) {
    if (node.hidden) continue;
    const width = node.measured.width ?? node.width ?? node.initialWidth ?? 0;
    const height = node.measured.height ?? node.height ?? node.initialHeight ?? 0;
    const status = steps && Object.hasOwn(steps, node.id) ? steps[node.id]!.status : undefined;
    const colour = (status && STATUS_COLOUR[status]) ?? kindColour(node.data.kind);
    yield { x: node.internals.positionAbsolute.x, y: node.internals.positionAbsolute.y, width, height, colour };
  }
}

interface Press {
  pointerId: number;
  startX: number;
  startY: number;
  lastX: number;
  lastY: number;
  moved: boolean;
}

export function CanvasMinimap({ runMode }: { runMode: boolean }) {
  const store = useStoreApi<WeftCanvasNode, WeftCanvasEdge>();
  const { setViewport, zoomTo } = useReactFlow<WeftCanvasNode, WeftCanvasEdge>();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const viewRef = useRef<HTMLDivElement>(null);
  const painterRef = useRef<MinimapPainter | undefined>(undefined);
  const pressRef = useRef<Press | undefined>(undefined);
  /** The viewport a drag asks for, applied once a frame. */
  const targetRef = useRef<{ viewport: Viewport; frame: number | undefined } | undefined>(undefined);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const painter = createMinimapPainter(canvas, MINIMAP_WIDTH, MINIMAP_HEIGHT, window.devicePixelRatio || 1);
    painterRef.current = painter;
    let frame: number | undefined;
    let nodesChanged = true;
    let seen = store.getState();
    let shownView = '';
    let shownSize = '';
    const draw = () => {
      frame = undefined;
      const state = store.getState();
      const run = runMode ? useRun.getState().run : null;
      const view = painter.draw({ nodesChanged, nodes: () => minimapNodes(state.nodeLookup, run), transform: state.transform, paneWidth: state.width, paneHeight: state.height });
      nodesChanged = false;
      // Written only when changed: moving the rectangle is a composited transform, resizing it (a zoom) a repaint.
      const element = viewRef.current;
      if (!element) return;
      const at = `translate(${view.x.toFixed(1)}px, ${view.y.toFixed(1)}px)`;
      const size = `${view.width.toFixed(1)}x${view.height.toFixed(1)}`;
      if (at !== shownView) element.style.transform = shownView = at;
      if (size !== shownSize) {
        shownSize = size;
        element.style.width = `${view.width.toFixed(1)}px`;
        element.style.height = `${view.height.toFixed(1)}px`;
      }
    };
    const schedule = () => {
      if (frame === undefined) frame = requestAnimationFrame(draw);
    };
    const unsubscribeFlow = store.subscribe((state) => {
      // A change that is not the view moving (nodes added, moved or measured) redraws the nodes.
      const viewMoved = state.transform !== seen.transform || state.width !== seen.width || state.height !== seen.height;
      if (!viewMoved || state.nodes !== seen.nodes) nodesChanged = true;
      seen = state;
      schedule();
    });
    const unsubscribeRun = runMode
      ? useRun.subscribe((state, previous) => {
          if (state.run === previous.run) return;
          nodesChanged = true;
          schedule();
        })
      : undefined;
    draw();

    // React attaches wheel listeners as passive; the page must not scroll while the minimap zooms.
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const { transform, minZoom, maxZoom } = store.getState();
      void zoomTo(wheelZoom(transform[2], event.deltaY, event.deltaMode, minZoom, maxZoom));
    };
    canvas.addEventListener('wheel', onWheel, { passive: false });
    return () => {
      if (frame !== undefined) cancelAnimationFrame(frame);
      unsubscribeFlow();
      unsubscribeRun?.();
      canvas.removeEventListener('wheel', onWheel);
      painterRef.current = undefined;
    };
  }, [store, runMode, zoomTo]);

  useEffect(
    () => () => {
      const target = targetRef.current;
      if (target?.frame !== undefined) cancelAnimationFrame(target.frame);
    },
    [],
  );

  const requestViewport = (viewport: Viewport) => {
    const target = targetRef.current;
    if (target) {
      target.viewport = viewport;
      if (target.frame !== undefined) return;
    }
    const next = target ?? { viewport, frame: undefined };
    targetRef.current = next;
    next.frame = requestAnimationFrame(() => {
      next.frame = undefined;
      void setViewport(next.viewport);
    });
  };

  const onPointerDown = (event: ReactPointerEvent<HTMLCanvasElement>) => {
    if (event.button !== 0) return;
    event.currentTarget.setPointerCapture(event.pointerId);
    pressRef.current = { pointerId: event.pointerId, startX: event.clientX, startY: event.clientY, lastX: event.clientX, lastY: event.clientY, moved: false };
    const { transform } = store.getState();
    targetRef.current = { viewport: { x: transform[0], y: transform[1], zoom: transform[2] }, frame: undefined };
  };

  const onPointerMove = (event: ReactPointerEvent<HTMLCanvasElement>) => {
    const press = pressRef.current;
    const frame = painterRef.current?.frame();
    if (!press || press.pointerId !== event.pointerId || !frame) return;
    if (!press.moved && Math.hypot(event.clientX - press.startX, event.clientY - press.startY) < CLICK_SLOP) return;
    press.moved = true;
    const from = targetRef.current?.viewport;
    if (!from) return;
    requestViewport(panByMinimapDrag([from.x, from.y, from.zoom], event.clientX - press.lastX, event.clientY - press.lastY, frame));
    press.lastX = event.clientX;
    press.lastY = event.clientY;
  };

  const onPointerUp = (event: ReactPointerEvent<HTMLCanvasElement>) => {
    const press = pressRef.current;
    if (!press || press.pointerId !== event.pointerId) return;
    pressRef.current = undefined;
    const frame = painterRef.current?.frame();
    if (press.moved || !frame) return;
    const box = event.currentTarget.getBoundingClientRect();
    const { transform, width, height } = store.getState();
    requestViewport(centreOn(toFlow(frame, event.clientX - box.left, event.clientY - box.top), transform[2], width, height));
  };

  const onPointerCancel = () => {
    pressRef.current = undefined;
  };

  return (
    <Panel position="bottom-right" className="canvas-minimap nopan nowheel nodrag">
      <canvas
        ref={canvasRef}
        style={{ width: MINIMAP_WIDTH, height: MINIMAP_HEIGHT }}
        role="img"
        aria-label="Minimap: drag to move the view, click to centre it, scroll to zoom"
        data-testid="minimap"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerCancel}
      />
      <div ref={viewRef} className="canvas-minimap-view" data-testid="minimap-view" />
    </Panel>
  );
}
