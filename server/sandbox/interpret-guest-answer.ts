import { GUEST_TAGS } from './guest-prelude.ts';
import { limitMessage, utf8LengthOver } from './sandbox-limits.ts';
import type { SandboxFailure, SandboxLimits } from './sandbox-types.ts';
import type { GuestOutcome } from './worker-protocol.ts';

/** Why the interrupt handler stopped the code, if it did. */
export interface RunClock {
  reason: 'timeout' | 'cancelled' | undefined;
}

const ERROR_PATTERN = /^e(\d*):(\d*):([\s\S]*)$/;

/**
 * Turns the guest's tagged answer (see GUEST_TAGS) into an outcome. A finished result
 * wins; otherwise a stop by the clock wins over whatever the guest said after it.
 * `memoryRefused`: the engine's memory refused to grow during the call, which explains
 * an answer that is missing or a thrown `null`.
 */
export function interpretGuestAnswer(
  answer: string | undefined,
  clock: RunClock,
  limits: SandboxLimits,
  memoryRefused: boolean,
): GuestOutcome {
  if (answer !== undefined && answer.startsWith(GUEST_TAGS.outputs)) {
    const outputsJson = answer.slice(1);
    if (utf8LengthOver(outputsJson, limits.outputBytes)) return fail(limitFailure('output', limits));
    return { ok: true, outputsJson };
  }
  if (clock.reason === 'cancelled') return fail({ message: 'cancelled' });
  if (clock.reason === 'timeout') return fail(limitFailure('timeout', limits));
  if (answer === undefined) {
    if (memoryRefused) return fail(limitFailure('memory', limits));
    return fail({ message: 'code step failed without an error the sandbox could read' });
  }
  switch (answer[0]) {
    case GUEST_TAGS.memory:
      return fail(limitFailure('memory', limits));
    case GUEST_TAGS.stringTooLong:
      return fail(limitFailure('memory', limits, 'a string grew past the maximum length'));
    case GUEST_TAGS.stack:
      return fail(limitFailure('stack', limits));
    case GUEST_TAGS.outputTooLarge:
      return fail(limitFailure('output', limits));
    case GUEST_TAGS.nothing:
      return fail(memoryRefused ? limitFailure('memory', limits) : { message: `code threw ${answer.slice(1)}` });
    case GUEST_TAGS.error:
      return fail(parseError(answer));
    default:
      return fail({ message: 'code step failed without an error the sandbox could read' });
  }
}

function fail(error: SandboxFailure): GuestOutcome {
  return { ok: false, error };
}

function limitFailure(limit: 'timeout' | 'memory' | 'stack' | 'output', limits: SandboxLimits, detail?: string): SandboxFailure {
  return { message: limitMessage(limit, limits, detail), limit };
}

function parseError(answer: string): SandboxFailure {
  const match = ERROR_PATTERN.exec(answer);
  if (match === null) return { message: 'code step failed without an error the sandbox could read' };
  const [, line = '', column = '', message = ''] = match;
  const failure: SandboxFailure = { message: message === '' ? 'code step failed' : message };
  if (line !== '' && Number(line) > 0) failure.line = Number(line);
  if (column !== '' && Number(column) > 0) failure.column = Number(column);
  return failure;
}
