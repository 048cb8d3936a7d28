import { describe, expect, it } from 'vitest';
import { initialRunState } from '../../shared/run-state.ts';
import { caseFromRun, parseVariant } from './evaluation-store.ts';

describe('evaluation store helpers', () => {
  it('a finished run becomes a case: its inputs, with its status and outputs as the expectation', () => {
    const run = { ...initialRunState('r1'), status: 'succeeded' as const, inputs: { text: 'hi' }, outputs: { answer: 'billing' } };
    expect(caseFromRun(run, 'greeting')).toEqual({ name: 'greeting', inputs: { text: 'hi' }, expect: { status: 'succeeded', outputs: { answer: 'billing' } } });
    expect(caseFromRun({ ...run, status: 'cancelled', outputs: {} }, 'stopped')).toEqual({ name: 'stopped', inputs: { text: 'hi' }, expect: {} });
  });

  it('reads a variant as node.key=value pairs, values as JSON when they parse', () => {
    expect(parseVariant('classify.model=gpt-4o')).toEqual({ 'classify.model': 'gpt-4o' });
    expect(parseVariant('classify.temperature=0.5 classify.model=gpt-4o')).toEqual({ 'classify.temperature': 0.5, 'classify.model': 'gpt-4o' });
    expect(parseVariant('model=gpt-4o')).toBeUndefined();
  });
});
