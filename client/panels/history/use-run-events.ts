/** A run's whole event log from `/api/runs/:id/events`, fetched again when `version` changes. */
import { useEffect, useState } from 'react';
import type { RunEvent } from '../../../shared/events.ts';
import { api } from '../../api/api-client.ts';

export function useRunEvents(runId: string | null, version: unknown): { events: RunEvent[] | null; error: string | null } {
  const [state, setState] = useState<{ runId: string | null; events: RunEvent[] | null; error: string | null }>({ runId: null, events: null, error: null });
  useEffect(() => {
    if (!runId) return;
    let live = true;
    api.runEvents(runId).then(
      (events) => live && setState({ runId, events, error: null }),
      (failure: unknown) => live && setState({ runId, events: null, error: failure instanceof Error ? failure.message : String(failure) }),
    );
    return () => {
      live = false;
    };
  }, [runId, version]);
  return state.runId === runId ? state : { events: null, error: null };
}
