/**
 * Maps what the openai SDK throws, after its own retries, to a StepFailure: `provider` with
 * `retryable` as the SDK judged it (408/409/429/5xx and connection errors), `cancelled` when the
 * step's signal aborted. Messages name the provider and the status, never the key (see redact.ts),
 * and the SDK error is not attached as `cause` (it carries response headers and bodies).
 */
import OpenAI from 'openai';
import { StepFailure } from '../engine/executor.ts';
import type { Redactor } from './redact.ts';

export interface FailureContext {
  provider: string;
  /** Names the variable to check on a 401 (a name, not a secret). */
  apiKeyEnv: string | undefined;
  maxRetries: number;
  timeoutMs: number | undefined;
  signal: AbortSignal;
  redact: Redactor;
  /** The reply had started streaming when the error came. */
  started: boolean;
}

const RETRYABLE_STATUS = (status: number) => status === 408 || status === 409 || status === 429 || status >= 500;

function statusLabel(status: number, context: FailureContext): string {
  if (status === 400) return 'bad request';
  if (status === 401) return context.apiKeyEnv ? `authentication failed, check ${context.apiKeyEnv}` : 'authentication failed';
  if (status === 403) return 'permission denied';
  if (status === 404) return 'not found (is the model name right?)';
  if (status === 408) return 'request timeout';
  if (status === 409) return 'conflict';
  if (status === 422) return 'unprocessable request';
  if (status === 429) return 'rate limited';
  if (status >= 500) return 'server error';
  return 'error';
}

function detailOf(error: InstanceType<typeof OpenAI.APIError>): string {
  const body = error.error as { message?: unknown } | undefined;
  const text = typeof body?.message === 'string' ? body.message : error.message.replace(/^\d{3}\s*/, '');
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}

function attempts(context: FailureContext): string {
  return context.maxRetries > 0 ? ` (after ${context.maxRetries + 1} attempts)` : '';
}

export function providerFailure(error: unknown, context: FailureContext): StepFailure {
  if (error instanceof StepFailure) return error;
  const name = `provider "${context.provider}"`;
  if (context.signal.aborted || error instanceof OpenAI.APIUserAbortError) return new StepFailure('cancelled', 'model request cancelled');
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    const limit = context.timeoutMs !== undefined ? ` within ${context.timeoutMs} ms` : '';
    return new StepFailure('provider', `${name} did not answer${limit}${attempts(context)}`, { retryable: true });
  }
  if (error instanceof OpenAI.APIConnectionError) {
    if (context.started) return new StepFailure('provider', context.redact(`lost the connection to ${name} during the reply: ${error.message}`), { retryable: true });
    return new StepFailure('provider', context.redact(`could not reach ${name}${attempts(context)}: ${error.message}`), { retryable: true });
  }
  if (error instanceof OpenAI.APIError) {
    if (error.status === undefined) return new StepFailure('provider', context.redact(`${name} reported an error during the reply: ${detailOf(error)}`));
    const retryable = RETRYABLE_STATUS(error.status);
    const message = `${name} answered ${error.status} (${statusLabel(error.status, context)})${retryable ? attempts(context) : ''}: ${detailOf(error)}`;
    return new StepFailure('provider', context.redact(message), { retryable });
  }
  const text = error instanceof Error ? error.message : String(error);
  if (isConnectionLoss(error)) return new StepFailure('provider', context.redact(`lost the connection to ${name} during the reply: ${text}`), { retryable: true });
  if (error instanceof SyntaxError) return new StepFailure('provider', context.redact(`${name} sent a malformed reply: ${text}`), { retryable: true });
  return new StepFailure('provider', context.redact(`${name} failed during the reply: ${text}`), { retryable: true });
}

/** undici reports a connection cut mid-body as `TypeError: terminated` with a socket error cause. */
function isConnectionLoss(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const cause = error.cause as { code?: unknown } | undefined;
  return error.message === 'terminated' || (typeof cause?.code === 'string' && cause.code.startsWith('UND_ERR')) || (error as { code?: unknown }).code === 'ECONNRESET';
}
