/**
 * A run's event log for the timeline and the comparison: read once from `/api/runs/:id/events`,
 * then kept up to date from the live events the page's WebSocket already receives (a gap is filled
 * by reading from the last seq held). The whole log, deltas too: the comparison folds it with the
 * shared reducer, which wants every seq.
 */
import { useEffect, useState } from 'react';
import type { RunEvent } from '../../../shared/events.ts';
import { api } from '../../api/api-client.ts';
import { onRunEvent } from '../../api/socket-service.ts';

export function useRunEvents(runId: string | null): { events: RunEvent[] | null; error: string | null } {
  const [state, setState] = useState<{ runId: string | null; events: RunEvent[] | null; error: string | null }>({ runId: null, events: null, error: null });
  useEffect(() => {
    if (!runId) return;
    let live = true;
    const log: RunEvent[] = [];
    let lastSeq = 0;
    let loaded = false;
    let reading = false;
    let frame = 0;
    const publish = () => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        // A new array once a frame, however many events arrived in it.
        if (live) setState({ runId, events: log.slice(), error: null });
      });
    };
    const add = (events: readonly RunEvent[]) => {
      const fresh = events.filter((event) => event.seq > lastSeq);
      if (fresh.length === 0) return;
      lastSeq = fresh[fresh.length - 1]!.seq;
      log.push(...fresh);
      publish();
    };
    const read = () => {
      if (reading) return;
      reading = true;
      api.runEvents(runId, lastSeq).then(
        (events) => {
          reading = false;
          loaded = true;
          if (live) add(events);
        },
        (failure: unknown) => {
          reading = false;
          if (live) setState({ runId, events: null, error: failure instanceof Error ? failure.message : String(failure) });
        },
      );
    };
    const stop = onRunEvent((event) => {
      if (event.runId !== runId || !loaded || event.seq <= lastSeq) return;
      if (event.seq === lastSeq + 1) add([event]);
      else read();
    });
    read();
    return () => {
      live = false;
      stop();
      cancelAnimationFrame(frame);
    };
  }, [runId]);
  return state.runId === runId ? state : { events: null, error: null };
}
