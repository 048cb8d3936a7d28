import type { StepError } from '../../shared/events.ts';
import { StepFailure } from './executor.ts';

/** Turns anything an executor threw into the step error recorded in the log. */
export function toStepError(error: unknown): StepError {
  if (error instanceof StepFailure) return error.toStepError();
  if (error instanceof Error) return { message: error.message, code: 'error' };
  return { message: String(error), code: 'error' };
}

export type DecisionErrorCode = 'unknown-step' | 'not-waiting' | 'run-ended' | 'invalid-decision';

/** A decision that cannot apply: REST maps `unknown-step` to 404, `invalid-decision` to 400 and the others to 409. */
export class DecisionError extends Error {
  readonly code: DecisionErrorCode;
  constructor(code: DecisionErrorCode, message: string) {
    super(message);
    this.name = 'DecisionError';
    this.code = code;
  }
}
