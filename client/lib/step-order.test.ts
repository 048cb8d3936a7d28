import { describe, expect, it } from 'vitest';
import { emptyStep, initialRunState, type RunState } from '../../shared/run-state.ts';
import { stepOrder } from './step-order.ts';

describe('step order', () => {
  it('lists steps by start time, then those not started in canvas order', () => {
    const run: RunState = {
      ...initialRunState('r1'),
      flow: {
        schemaVersion: 1, id: 'demo', name: 'Demo', edges: [],
        nodes: [
          { id: 'late', kind: 'code', position: { x: 600, y: 0 }, config: {} },
          { id: 'early', kind: 'code', position: { x: 300, y: 0 }, config: {} },
          { id: 'waiting-right', kind: 'code', position: { x: 900, y: 0 }, config: {} },
          { id: 'waiting-left', kind: 'code', position: { x: 0, y: 0 }, config: {} },
        ],
      },
      steps: {
        'waiting-right': emptyStep('waiting-right'),
        late: { ...emptyStep('late'), startedAt: '2026-01-01T00:00:02.000Z' },
        'waiting-left': emptyStep('waiting-left'),
        early: { ...emptyStep('early'), startedAt: '2026-01-01T00:00:01.000Z' },
      },
    };
    expect(stepOrder(run)).toEqual(['early', 'late', 'waiting-left', 'waiting-right']);
  });
});
