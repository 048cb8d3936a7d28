/** A map step shows, while it runs, how many items are done and failed of how many, and what they cost so far. */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../shared/events.ts';
import type { Flow } from '../../shared/flow.ts';
import { foldEvents } from '../../shared/run-state.ts';
import { NodeRunDetails } from './node-run-details.tsx';

const flow: Flow = { schemaVersion: 1, id: 'batch', name: 'Batch', nodes: [{ id: 'each', kind: 'map', position: { x: 0, y: 0 }, config: { flow: 'classify-ticket', itemInput: 'text' } }], edges: [] };

function runFrom(bodies: Array<Record<string, unknown>>) {
  const events = bodies.map((body, index) => ({ runId: 'run-1', seq: index + 1, at: new Date(Date.UTC(2026, 11, 6, 4, 0, index)).toISOString(), ...body }) as RunEvent);
  return foldEvents(events, 'run-1');
}

function text(markup: string): string {
  return markup.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
}

describe('map progress on the node', () => {
  it('shows done / failed / total and the cost so far from the events, ', () => {
    const running = runFrom([
      { type: 'run.started', flowId: 'batch', flowHash: 'h', flow, inputs: {} },
      { type: 'step.started', nodeId: 'each', attempt: 1, inputs: {} },
      { type: 'step.progress', nodeId: 'each', done: 0, failed: 0, total: 10 },
      { type: 'step.child', nodeId: 'each', childRunId: 'run-1-each-0', flowId: 'classify-ticket', itemIndex: 0 },
      { type: 'step.progress', nodeId: 'each', done: 3, failed: 1, total: 10 },
      { type: 'step.cost', nodeId: 'each', model: 'flow classify-ticket', inputTokens: 400, outputTokens: 80, usd: 0.0125, final: false, simulated: false },
    ]);
    const markup = renderToStaticMarkup(createElement(NodeRunDetails, { step: running.steps.each!, label: 'Each' }));
    expect(markup).toContain('data-testid="node-progress-each"');
    expect(text(markup)).toContain('3 / 10 done · 1 failed');
    expect(text(markup)).toContain('$0.013 so far');
    expect(text(markup)).toContain('Item runs (1)');
    expect(markup).toContain('aria-valuenow="4"');
  });

  it('shows the final figures once the step has ended', () => {
    const ended = runFrom([
      { type: 'run.started', flowId: 'batch', flowHash: 'h', flow, inputs: {} },
      { type: 'step.started', nodeId: 'each', attempt: 1, inputs: {} },
      { type: 'step.progress', nodeId: 'each', done: 9, failed: 1, total: 10 },
      { type: 'step.cost', nodeId: 'each', model: 'flow classify-ticket', inputTokens: 900, outputTokens: 200, usd: 0.02, final: true, simulated: false },
      { type: 'step.succeeded', nodeId: 'each', outputs: { results: [] }, durationMs: 1200 },
    ]);
    const shown = text(renderToStaticMarkup(createElement(NodeRunDetails, { step: ended.steps.each!, label: 'Each' })));
    expect(shown).toContain('9 / 10 done · 1 failed');
    expect(shown).toContain('$0.02');
    expect(shown).not.toContain('so far');
  });
});
