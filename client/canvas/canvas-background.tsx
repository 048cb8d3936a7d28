/**
 * The canvas's dot grid, drawn once and moved by a composited transform. React Flow's own
 * `<Background>` is an SVG pattern whose offset changes on every frame of a pan, so the browser
 * repaints the whole pane (thousands of dots) each frame; here the dots are a CSS pattern on a
 * layer a little larger than the pane, shifted within one tile as the view moves
 * (background-geometry.ts). Only a zoom changes the pattern itself. The store's view is read
 * through a subscription, not a React selector, so a pan re-renders nothing.
 */
import { useStoreApi } from '@xyflow/react';
import { useEffect, useRef } from 'react';
import { dotGrid } from './background-geometry.ts';

export interface CanvasBackgroundProps {
  gap: number;
  dotSize: number;
  colour: string;
}

export function CanvasBackground({ gap, dotSize, colour }: CanvasBackgroundProps) {
  const store = useStoreApi();
  const layerRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const layer = layerRef.current;
    if (!layer) return;
    let shownTile = NaN;
    let shownAt = '';
    const place = (transform: readonly [number, number, number]): void => {
      const grid = dotGrid(transform, gap, dotSize);
      if (grid.tile !== shownTile) {
        shownTile = grid.tile;
        const centre = grid.tile / 2;
        layer.style.backgroundSize = `${grid.tile}px ${grid.tile}px`;
        layer.style.backgroundImage = `radial-gradient(circle at ${centre}px ${centre}px, ${colour} ${grid.radius}px, transparent ${grid.radius + 0.75}px)`;
      }
      const at = `translate3d(${grid.x.toFixed(2)}px, ${grid.y.toFixed(2)}px, 0)`;
      if (at !== shownAt) layer.style.transform = shownAt = at;
    };
    place(store.getState().transform);
    let seen = store.getState().transform;
    return store.subscribe((state) => {
      if (state.transform === seen) return;
      seen = state.transform;
      place(seen);
    });
  }, [store, gap, dotSize, colour]);

  return (
    <div className="canvas-background" aria-hidden="true" data-testid="canvas-background">
      <div ref={layerRef} className="canvas-background-dots" />
    </div>
  );
}
