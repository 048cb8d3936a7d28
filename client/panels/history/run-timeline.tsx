/**
 * A run as a timeline: one row per step, each attempt a bar over the run's time (coloured by how it
 * ended, with its cost and tokens), waits for a person drawn as hatched gaps inside the bar.
 */
import { useMemo } from 'react';
import { formatDuration, formatUsd } from '../../lib/format.ts';
import { buildTimeline, busyMs, type TimelineAttempt, type TimelineRow } from '../../lib/run-timeline.ts';
import type { RunEvent } from '../../../shared/events.ts';

function percent(value: number, start: number, span: number): string {
  return `${(((value - start) / span) * 100).toFixed(3)}%`;
}

function attemptText(row: TimelineRow, attempt: TimelineAttempt, end: number): string {
  const parts = [`${row.attempts.length > 1 ? `attempt ${attempt.attempt}: ` : ''}${formatDuration(busyMs(row, attempt, end))}`];
  if (attempt.inputTokens + attempt.outputTokens > 0) parts.push(`${(attempt.inputTokens + attempt.outputTokens).toLocaleString('en-US')} tokens`);
  if (attempt.reusedFrom !== undefined) parts.push('reused at $0');
  if (attempt.costUsd === null) parts.push('unpriced');
  else if (attempt.costUsd > 0) parts.push(formatUsd(attempt.costUsd));
  if (attempt.outcome !== 'succeeded') parts.push(attempt.outcome);
  return parts.join(' · ');
}

export function RunTimeline({ events, labels }: { events: readonly RunEvent[]; labels: ReadonlyMap<string, string | undefined> }) {
  const timeline = useMemo(() => buildTimeline(events), [events]);
  const span = Math.max(1, timeline.endMs - timeline.startMs);
  return (
    <div className="timeline" data-testid="run-timeline">
      <div className="timeline-scale muted small">
        <span>0 s</span>
        <span>{formatDuration(span)}</span>
      </div>
      {timeline.rows.map((row) => (
        <div key={row.nodeId} className="timeline-row" data-testid={`timeline-row-${row.nodeId}`}>
          <div className="timeline-label">
            <span className="timeline-name">{labels.get(row.nodeId) || row.nodeId}</span>
            <span className="timeline-facts">{row.attempts.map((attempt) => attemptText(row, attempt, timeline.endMs)).join(' | ')}</span>
          </div>
          <div className="timeline-track">
            {row.attempts.map((attempt) => (
              <div
                key={attempt.attempt}
                className={`timeline-bar timeline-${attempt.outcome}`}
                style={{ left: percent(attempt.startMs, timeline.startMs, span), width: `max(3px, ${percent((attempt.endMs ?? timeline.endMs) + timeline.startMs - attempt.startMs, timeline.startMs, span)})` }}
                title={attemptText(row, attempt, timeline.endMs)}
                data-testid={`timeline-bar-${row.nodeId}-${attempt.attempt}`}
                data-outcome={attempt.outcome}
                data-reused={attempt.reusedFrom !== undefined ? 'true' : undefined}
              />
            ))}
            {row.waits.map((wait, index) => (
              <div
                key={`wait-${index}`}
                className="timeline-wait"
                style={{ left: percent(wait.startMs, timeline.startMs, span), width: percent((wait.endMs ?? timeline.endMs) + timeline.startMs - wait.startMs, timeline.startMs, span) }}
                title={`waited for a person ${formatDuration((wait.endMs ?? timeline.endMs) - wait.startMs)}${wait.answer ? ` (${wait.answer})` : ''}`}
                data-testid={`timeline-wait-${row.nodeId}`}
              />
            ))}
          </div>
        </div>
      ))}
    </div>
  );
}
