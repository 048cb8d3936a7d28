/**
 * What starts a flow without a person: `settings.triggers` in the flow file. A schedule is a cron
 * pattern of five fields (minute first) or six (seconds first), read in `timezone` (IANA, default
 * UTC), with the run's `inputs`; `catchUp` says whether a tick missed while the server was down
 * runs once when it starts (true) or is skipped (false, the default). Patterns are read by croner,
 * in the browser (the next three times) and on the server (the scheduler) alike.
 */
import { Cron } from 'croner';
import { z } from 'zod';

const MAX_TRIGGERS = 20;

/** Why a cron pattern (in a time zone) cannot be used, or undefined when it can. */
export function cronProblem(cron: string, timezone: string | undefined): string | undefined {
  const fields = cron.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) return `must have 5 fields (minute hour day month weekday) or 6 (seconds first), not ${fields}`;
  try {
    if (timezone !== undefined) new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    return `time zone "${timezone}" is not an IANA time zone such as Europe/Berlin`;
  }
  try {
    const job = new Cron(cron, { paused: true, ...(timezone ? { timezone } : { utcOffset: 0 }) });
    if (!job.nextRun()) return 'never fires';
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error);
  }
}

export const scheduleTriggerSchema = z
  .object({
    type: z.literal('schedule'),
    cron: z.string().min(1).max(200).describe('Five fields (minute hour day month weekday), or six with seconds first'),
    timezone: z.string().max(100).optional().describe('IANA time zone, e.g. Europe/Berlin; default UTC'),
    inputs: z.record(z.string(), z.unknown()).optional().describe("The run's inputs"),
    catchUp: z.boolean().optional().describe('Run a tick missed while the server was down once when it starts'),
  })
  .strict()
  .superRefine((trigger, context) => {
    const problem = cronProblem(trigger.cron, trigger.timezone);
    if (problem) context.addIssue({ code: 'custom', path: [problem.startsWith('time zone') ? 'timezone' : 'cron'], message: problem });
  });
export type ScheduleTrigger = z.infer<typeof scheduleTriggerSchema>;

export const triggersSchema = z.array(scheduleTriggerSchema).max(MAX_TRIGGERS).describe('What starts the flow on its own: schedules');

/** A schedule's croner job, paused (the caller decides what it does). */
export function scheduleJob(trigger: ScheduleTrigger): Cron {
  return new Cron(trigger.cron, { paused: true, ...(trigger.timezone ? { timezone: trigger.timezone } : { utcOffset: 0 }) });
}

/** The next `count` times a schedule fires after `from`. */
export function nextTimes(trigger: ScheduleTrigger, count: number, from: Date = new Date()): Date[] {
  return scheduleJob(trigger).nextRuns(count, from);
}
