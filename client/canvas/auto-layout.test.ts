import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../shared/flow.ts';
import { layoutPositions } from './auto-layout.ts';

describe('auto layout', () => {
  it('places every node left to right along the wires', () => {
    const flow = JSON.parse(readFileSync(new URL('../../flows/ticket-triage.flow.json', import.meta.url), 'utf8')) as Flow;
    const positions = layoutPositions(flow);
    expect(Object.keys(positions).sort()).toEqual(['classify', 'result', 'review', 'ticket']);
    expect(positions.ticket!.x).toBeLessThan(positions.classify!.x);
    expect(positions.classify!.x).toBeLessThan(positions.review!.x);
    expect(positions.review!.x).toBeLessThan(positions.result!.x);
    for (const position of Object.values(positions)) expect(position.x % 8).toBe(0);
  });
});
