/** Small display helpers: money, durations, tokens, step states. */
import type { StepStatus } from '../../shared/run-state.ts';

export { formatUsd } from '../../shared/pricing.ts';

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

export function preview(value: unknown, max = 160): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined) return '';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function prettyJson(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value, null, 2) ?? '');
}
