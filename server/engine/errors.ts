import type { z } from 'zod';
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
  /** An answer that does not fit its kind's `wait.answerSchema`: the schema's issues, paths relative to the answer. */
  readonly issues: z.ZodError | undefined;
  constructor(code: DecisionErrorCode, message: string, issues?: z.ZodError) {
    super(message);
    this.name = 'DecisionError';
    this.code = code;
    this.issues = issues;
  }
}
