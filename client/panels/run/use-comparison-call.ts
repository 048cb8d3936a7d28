import { useState } from 'react';
import type { RunComparisonAnswer } from '../../../shared/wire/run-replay.ts';
import { ApiError, errorWithIssues } from '../../api/http.ts';
import { useComparison } from '../../state/comparison-store.ts';
import { useRun } from '../../state/run-store.ts';
import { errorText } from '../../state/ui-store.ts';

/**
 * A replay or what-if request from a panel: while it runs `busy`; its answer is shown side by side
 * (comparison store) and its new run followed; a refusal becomes `error`, with the issues it names.
 */
export function useComparisonCall(): { busy: boolean; error: string | undefined; attempt: (call: () => Promise<RunComparisonAnswer>) => Promise<void> } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  async function attempt(call: () => Promise<RunComparisonAnswer>): Promise<void> {
    setBusy(true);
    setError(undefined);
    try {
      const answer = await call();
      useComparison.getState().show(answer);
      useRun.getState().watch(answer.runId);
    } catch (caught) {
      setError(caught instanceof ApiError ? errorWithIssues(caught) : errorText(caught));
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, attempt };
}
