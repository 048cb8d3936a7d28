import { checkJsonBounds } from '../../shared/json-bounds.ts';
import type { ApprovalAnswer, ApprovalConfig, ApprovalRequest } from '../../shared/kinds/approval.ts';
import { DecisionError } from '../engine/errors.ts';
import type { Executor } from '../engine/executor.ts';

/**
 * Pauses the run: the request (with the payload to review and any deadline) goes into the log, and
 * the run waits. A decision turns into outputs exactly once; the engine refuses a second one.
 */
export const approvalExecutor: Executor<ApprovalConfig, ApprovalRequest, ApprovalAnswer> = {
  async run(context) {
    const { config } = context;
    const deadline = config.timeoutMs !== undefined ? new Date(Date.now() + config.timeoutMs).toISOString() : undefined;
    const request: ApprovalRequest = {
      title: config.title,
      ...(config.instructions !== undefined ? { instructions: config.instructions } : {}),
      payload: context.inputs.payload,
      allowEdit: config.allowEdit ?? false,
      ...(deadline !== undefined ? { deadline, onTimeout: config.onTimeout ?? 'reject' } : {}),
    };
    return { type: 'wait', request };
  },

  decide(_context, request, answer, by) {
    // Bounded before anything is recorded: the engine calls this once to check, then to apply.
    const bounds = answer.payload === undefined ? undefined : checkJsonBounds(answer.payload, {}, 'payload');
    if (bounds) throw new DecisionError('invalid-decision', bounds.message);
    if (answer.decision === 'reject') {
      if (answer.payload !== undefined) throw new DecisionError('invalid-decision', 'a rejection carries a comment, not a payload');
      return { type: 'outputs', outputs: { rejected: answer.comment ?? `rejected by ${by}` } };
    }
    if (answer.payload !== undefined && !request.allowEdit) {
      throw new DecisionError('invalid-decision', `"${request.title}" does not allow editing the payload`);
    }
    return { type: 'outputs', outputs: { approved: answer.payload !== undefined ? answer.payload : request.payload } };
  },
};
