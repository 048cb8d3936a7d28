/**
 * The REST routes, typed and parsed with the shared wire contract: what goes out is typed by
 * shared/wire/rest-requests.ts, what comes back is parsed with shared/wire/rest-answers.ts.
 */
import type { Flow } from '../../shared/flow.ts';
import {
  approvalListAnswer,
  cancelAnswer,
  decisionAnswer,
  estimateAnswer,
  flowDocumentAnswer,
  flowListAnswer,
  healthAnswer,
  keyCreatedAnswer,
  keyListAnswer,
  noContentAnswer,
  runCreatedAnswer,
  runEventsAnswer,
  runListAnswer,
  runStateAnswer,
  savedFlowAnswer,
} from '../../shared/wire/rest-answers.ts';
import type { CancelBody, CreateKeyBody, DecisionBody, EstimateBody, RunsQuery, StartRunBody, StartSavedRunBody } from '../../shared/wire/rest-requests.ts';
import { runComparisonAnswer } from '../../shared/wire/run-replay.ts';
import { casesAnswer, evaluationAnswer, evaluationEstimateAnswer, evaluationStartedAnswer, type EvaluationBody } from '../../shared/wire/evaluation.ts';
import { costSummarySchema } from '../../shared/cost-summary.ts';
import { requestJson } from './http.ts';

const enc = encodeURIComponent;

/** `GET /api/runs`'s query as the client builds it (the server parses the strings). */
export type RunsPageQuery = { [Key in keyof RunsQuery]?: RunsQuery[Key] };

/** Runs the designer starts say so in history (shared/run-origin.ts). */
const DESIGNER_ORIGIN = { type: 'designer' } as const;

export const api = {
  health: () => requestJson('GET', '/api/health', healthAnswer),
  listFlows: async () => (await requestJson('GET', '/api/flows', flowListAnswer)).flows,
  /** The flow, or the JSON object of an invalid file: the editor validates it (flow-actions.ts). */
  getFlow: (id: string): Promise<unknown> => requestJson('GET', `/api/flows/${enc(id)}`, flowDocumentAnswer),
  saveFlow: (flow: Flow) => requestJson('PUT', `/api/flows/${enc(flow.id)}`, savedFlowAnswer, flow),
  deleteFlow: (id: string) => requestJson('DELETE', `/api/flows/${enc(id)}`, noContentAnswer),
  startSavedRun: (flowId: string, inputs: Record<string, unknown>) =>
    requestJson('POST', `/api/flows/${enc(flowId)}/runs`, runCreatedAnswer, { inputs, origin: DESIGNER_ORIGIN } satisfies StartSavedRunBody),
  startRun: (flow: Flow, inputs: Record<string, unknown>) => requestJson('POST', '/api/runs', runCreatedAnswer, { flow, inputs, origin: DESIGNER_ORIGIN } satisfies StartRunBody),
  /** Every flow's runs, newest first, or one flow's. */
  /** A page of the history, newest first; `next` asks for the page after it (as `before`). */
  listRuns: (query: RunsPageQuery = {}) => {
    const parts = Object.entries(query).flatMap(([key, value]) => (value === undefined || value === '' ? [] : [`${key}=${enc(String(value))}`]));
    return requestJson('GET', `/api/runs${parts.length > 0 ? `?${parts.join('&')}` : ''}`, runListAnswer);
  },
  /** A run's state as the server folds it (status, cost): enough for a list of item runs. */
  getRun: (runId: string) => requestJson('GET', `/api/runs/${enc(runId)}`, runStateAnswer),
  runEvents: async (runId: string, after = 0) => (await requestJson('GET', `/api/runs/${enc(runId)}/events?after=${after}`, runEventsAnswer)).events,
  cancelRun: (runId: string) => requestJson('POST', `/api/runs/${enc(runId)}/cancel`, cancelAnswer, {} satisfies CancelBody),
  decide: (runId: string, nodeId: string, body: DecisionBody) => requestJson('POST', `/api/runs/${enc(runId)}/steps/${enc(nodeId)}/decision`, decisionAnswer, body),
  estimate: (flow: Flow, inputs?: Record<string, unknown>) =>
    requestJson('POST', '/api/estimate', estimateAnswer, (inputs ? { flow, inputs } : { flow }) satisfies EstimateBody),
  replayRun: (runId: string) => requestJson('POST', `/api/runs/${enc(runId)}/replay`, runComparisonAnswer, {}),
  whatIf: (runId: string, set: Record<string, unknown>) => requestJson('POST', `/api/runs/${enc(runId)}/what-if`, runComparisonAnswer, { set }),
  listCases: (flowId: string) => requestJson('GET', `/api/flows/${enc(flowId)}/cases`, casesAnswer),
  saveCases: (flowId: string, cases: unknown[]) => requestJson('PUT', `/api/flows/${enc(flowId)}/cases`, casesAnswer, { cases }),
  estimateEvaluation: (flowId: string, body: EvaluationBody) => requestJson('POST', `/api/flows/${enc(flowId)}/evaluations/estimate`, evaluationEstimateAnswer, body),
  startEvaluation: (flowId: string, body: EvaluationBody) => requestJson('POST', `/api/flows/${enc(flowId)}/evaluations`, evaluationStartedAnswer, body),
  evaluation: (evaluationId: string) => requestJson('GET', `/api/evaluations/${enc(evaluationId)}`, evaluationAnswer),
  listKeys: async () => (await requestJson('GET', '/api/keys', keyListAnswer)).keys,
  createKey: (body: CreateKeyBody) => requestJson('POST', '/api/keys', keyCreatedAnswer, body),
  revokeKey: (name: string) => requestJson('DELETE', `/api/keys/${enc(name)}`, noContentAnswer),
  /** The cost view (server/spend/cost-view.ts): one flow's, or every flow's. */
  cost: (flowId?: string) => requestJson('GET', flowId ? `/api/cost?flowId=${enc(flowId)}` : '/api/cost', costSummarySchema),
  approvals: async () => (await requestJson('GET', '/api/approvals', approvalListAnswer)).approvals,
};
