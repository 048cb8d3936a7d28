/** Small display helpers: money, durations, tokens, step states. */
import { formatUsd } from '../../shared/pricing.ts';
import type { StepStatus } from '../../shared/run-state.ts';

export { formatUsd };

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatTokens(input: number, output: number): string {
  return `${input.toLocaleString('en-US')} in · ${output.toLocaleString('en-US')} out`;
}

/** `1,200 cached · saved $0.00015`: prompt tokens a provider served from its cache and what that saved. */
export function formatCached(tokens: number, savingUsd: number | undefined): string {
  return `${tokens.toLocaleString('en-US')} cached${savingUsd !== undefined && savingUsd > 0 ? ` · saved ${formatUsd(savingUsd)}` : ''}`;
}

export const STEP_LABELS: Record<StepStatus, string> = {
  pending: 'queued',
  running: 'running',
  waiting: 'waiting for you',
  succeeded: 'done',
  failed: 'failed',
  skipped: 'skipped',
  cancelled: 'cancelled',
};

/** A step's label; one still pending when its run has ended never ran. */
export function stepLabel(status: StepStatus, runEnded: boolean): string {
  return status === 'pending' && runEnded ? 'not run' : STEP_LABELS[status];
}

export const RUN_LABELS: Record<string, string> = {
  running: 'Running',
  waiting: 'Waiting for a person',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/**
 * One short form of a run id everywhere (banner, inbox, history, run panel): its random tail.
 * Ids are `run-<time>-<8 hex>`; the time part is shared by runs started close together.
 */
export function shortRunId(runId: string): string {
  const tail = /-([0-9a-f]{8})$/.exec(runId)?.[1];
  return tail ?? runId.slice(-8);
}

/** A moment written the same way for everyone: "12 Dec 2026, 14:05" (no day/month ambiguity). */
export function formatWhen(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** What an approval's deadline means: in the future it is what will happen, in the past what did. */
export function deadlineText(deadline: string, onTimeout: 'approve' | 'reject' | undefined, now = Date.now()): string {
  const action = onTimeout === 'approve' ? 'approved' : 'rejected';
  const when = formatWhen(deadline);
  return new Date(deadline).getTime() > now ? `If no one decides by ${when}, it is ${action} automatically.` : `The deadline passed at ${when}; it is being ${action} automatically.`;
}

export function preview(value: unknown, max = 160): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined) return '';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function prettyJson(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value, null, 2) ?? '');
}
