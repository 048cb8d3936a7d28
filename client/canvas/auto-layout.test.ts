import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { flowSchema, type Flow } from '../../shared/flow.ts';
import { estimatedGeometry, layoutPositions } from './auto-layout.ts';
import { layoutQuality } from './layout-quality.ts';

const flowsDir = new URL('../../flows/', import.meta.url);
const examples = readdirSync(flowsDir).filter((name) => name.endsWith('.flow.json'));
const read = (name: string): Flow => flowSchema.parse(JSON.parse(readFileSync(new URL(name, flowsDir), 'utf8')));

function geometry(flow: Flow) {
  return (nodeId: string) => estimatedGeometry(flow.nodes.find((node) => node.id === nodeId)!);
}

describe('auto layout', () => {
  it('places every node left to right along the wires, on the 8px grid', async () => {
    const flow = read('ticket-triage.flow.json');
    const positions = await layoutPositions(flow);
    expect(Object.keys(positions).sort()).toEqual(['classify', 'result', 'review', 'ticket']);
    expect(positions.ticket!.x).toBeLessThan(positions.classify!.x);
    expect(positions.classify!.x).toBeLessThan(positions.review!.x);
    expect(positions.review!.x).toBeLessThan(positions.result!.x);
    for (const position of Object.values(positions)) expect(position.x % 8).toBe(0);
  });

  it.each(examples)('lays out %s with no crossing wires and no wire behind a node', async (name) => {
    const flow = read(name);
    const positions = await layoutPositions(flow);
    expect(layoutQuality(flow, positions, geometry(flow))).toEqual({ crossings: [], behind: [] });
  });

  it('sees a crossing and a wire behind a node when there is one (the check itself)', () => {
    const flow = read('invoice-approval.flow.json');
    // Every node stacked in one column: wires run over the nodes between their ends.
    const stacked = Object.fromEntries(flow.nodes.map((node, index) => [node.id, { x: 0, y: index * 400 }]));
    const quality = layoutQuality(flow, stacked, geometry(flow));
    expect(quality.behind.length).toBeGreaterThan(0);
    const swapped = Object.fromEntries(flow.nodes.map((node, index) => [node.id, { x: index * 400, y: (index % 2) * 300 }]));
    expect(layoutQuality(flow, swapped, geometry(flow)).crossings.length + layoutQuality(flow, swapped, geometry(flow)).behind.length).toBeGreaterThan(0);
  });
});
