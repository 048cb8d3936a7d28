/** Flows the server tests run: small, and covering the approval path that must survive a restart. */
import type { Flow } from '../../shared/flow.ts';
import { flow } from '../../shared/testing/flow-builder.ts';

/** ticket.text -> review (approval, editable) -> result {approved, rejected}. */
export function reviewFlow(id = 'review'): Flow {
  return flow(id, 'Review a text')
    .input('ticket', { text: 'string' })
    .approval('review', { title: 'Is this fine?', allowEdit: true })
    .output('result', { approved: 'any', rejected: 'string' })
    .wire('ticket.text', 'review.payload')
    .wire('review.approved', 'result.approved')
    .wire('review.rejected', 'result.rejected')
    .build();
}

export const SHOUT_SOURCE = 'export default function (inputs) {\n  return { loud: inputs.text.toUpperCase() };\n}\n';

/** ticket.text -> shout (code) -> review (approval) -> result: input, code, approval, output. */
export function codeReviewFlow(id = 'code-review'): Flow {
  return flow(id, 'Shout, then review')
    .input('ticket', { text: 'string' })
    .code('shout', { inputs: { text: 'string' }, outputs: { loud: 'string' }, source: SHOUT_SOURCE })
    .approval('review', { title: 'Is this loud enough?', allowEdit: true })
    .output('result', { approved: 'any', rejected: 'string' })
    .wire('ticket.text', 'shout.text')
    .wire('shout.loud', 'review.payload')
    .wire('review.approved', 'result.approved')
    .wire('review.rejected', 'result.rejected')
    .build();
}

/** ticket.text -> result.text: finishes at once. */
export function echoFlow(id = 'echo'): Flow {
  return flow(id, 'Echo')
    .input('ticket', { text: 'string' })
    .output('result', { text: 'string' })
    .wire('ticket.text', 'result.text')
    .build();
}
