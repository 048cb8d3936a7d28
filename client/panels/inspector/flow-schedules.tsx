/**
 * The flow's schedules (`settings.triggers`, shared/triggers.ts): each cron with its time zone and
 * the next three times it fires, so a pattern can be checked before it is saved. A trigger whose
 * pattern is wrong shows its problem (the flow's problems list names its path too).
 */
import type { FlowSettings } from '../../../shared/flow.ts';
import { cronProblem, nextTimes } from '../../../shared/triggers.ts';

function formatTime(date: Date, timezone: string | undefined): string {
  return date.toLocaleString(undefined, { timeZone: timezone ?? 'UTC', weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function FlowSchedules({ settings }: { settings: FlowSettings | undefined }) {
  const triggers = settings?.triggers ?? [];
  return (
    <div className="form-row" data-testid="flow-schedules">
      <label className="form-label">Schedules</label>
      {triggers.length === 0 ? <div className="form-help">None. Add one as settings.triggers in the flow file, e.g. {'{"type": "schedule", "cron": "0 9 * * 1-5", "timezone": "Europe/Berlin"}'}.</div> : null}
      {triggers.map((trigger, index) => {
        const problem = cronProblem(trigger.cron, trigger.timezone);
        return (
          <div key={index} className="small" data-testid={`schedule-${index}`}>
            <div>
              <span className="mono">{trigger.cron}</span> ({trigger.timezone ?? 'UTC'}){trigger.catchUp ? ', catches up missed ticks' : ''}
            </div>
            {problem ? (
              <div className="problem">{problem}</div>
            ) : (
              <ul className="form-help" data-testid={`schedule-${index}-next`}>
                {nextTimes(trigger, 3).map((time) => (
                  <li key={time.getTime()}>{formatTime(time, trigger.timezone)}</li>
                ))}
              </ul>
            )}
          </div>
        );
      })}
    </div>
  );
}
