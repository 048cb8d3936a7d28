/**
 * The flow's worst-case model cost from `POST /api/estimate`, refreshed (debounced) as the flow
 * or the run inputs typed so far change: prompts fed by an input are counted with its value.
 */
import { useEffect, useState } from 'react';
import type { Flow } from '../../../shared/flow.ts';
import { api } from '../../api/api-client.ts';
import type { FlowEstimate } from '../../api/api-schemas.ts';
import { problemsOf } from '../../state/problems.ts';

export type EstimateState = { status: 'idle' | 'loading' } | { status: 'ready'; estimate: FlowEstimate } | { status: 'error'; message: string } | { status: 'invalid' };

export function useEstimate(flow: Flow, inputs?: Record<string, unknown>, delayMs = 400): EstimateState {
  const [state, setState] = useState<EstimateState>({ status: 'idle' });
  // By value: a form re-render builds a new inputs object with the same content.
  const inputsKey = inputs === undefined ? '' : JSON.stringify(inputs);
  useEffect(() => {
    if (problemsOf(flow).all.length > 0) {
      setState({ status: 'invalid' });
      return;
    }
    let cancelled = false;
    setState((previous) => (previous.status === 'ready' ? previous : { status: 'loading' }));
    const timer = setTimeout(() => {
      api.estimate(flow, inputsKey === '' ? undefined : (JSON.parse(inputsKey) as Record<string, unknown>)).then(
        (estimate) => !cancelled && setState({ status: 'ready', estimate }),
        (error: unknown) => !cancelled && setState({ status: 'error', message: error instanceof Error ? error.message : String(error) }),
      );
    }, delayMs);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [flow, inputsKey, delayMs]);
  return state;
}
