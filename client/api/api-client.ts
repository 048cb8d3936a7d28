/** The REST routes of the contract (DESIGN.md), typed. */
import type { Flow } from '../../shared/flow.ts';
import {
  anyJsonSchema,
  approvalListSchema,
  estimateSchema,
  flowDocumentSchema,
  flowListSchema,
  healthSchema,
  runCreatedSchema,
  runEventsSchema,
  runListSchema,
} from './api-schemas.ts';
import { requestJson } from './http.ts';

const enc = encodeURIComponent;

export const api = {
  health: () => requestJson('GET', '/api/health', healthSchema),
  listFlows: () => requestJson('GET', '/api/flows', flowListSchema),
  getFlow: (id: string) => requestJson('GET', `/api/flows/${enc(id)}`, flowDocumentSchema) as Promise<unknown>,
  saveFlow: (flow: Flow) => requestJson('PUT', `/api/flows/${enc(flow.id)}`, anyJsonSchema, flow),
  deleteFlow: (id: string) => requestJson('DELETE', `/api/flows/${enc(id)}`, anyJsonSchema),
  startSavedRun: (flowId: string, inputs: Record<string, unknown>) => requestJson('POST', `/api/flows/${enc(flowId)}/runs`, runCreatedSchema, { inputs }),
  startRun: (flow: Flow, inputs: Record<string, unknown>) => requestJson('POST', '/api/runs', runCreatedSchema, { flow, inputs }),
  /** Every flow's runs, newest first, or one flow's. */
  listRuns: (flowId?: string) => requestJson('GET', flowId ? `/api/runs?flowId=${enc(flowId)}` : '/api/runs', runListSchema),
  runEvents: (runId: string, after = 0) => requestJson('GET', `/api/runs/${enc(runId)}/events?after=${after}`, runEventsSchema),
  cancelRun: (runId: string) => requestJson('POST', `/api/runs/${enc(runId)}/cancel`, anyJsonSchema, {}),
  decide: (runId: string, nodeId: string, body: { decision: 'approve' | 'reject'; comment?: string; payload?: unknown }) =>
    requestJson('POST', `/api/runs/${enc(runId)}/steps/${enc(nodeId)}/decision`, anyJsonSchema, body),
  estimate: (flow: Flow, inputs?: Record<string, unknown>) => requestJson('POST', '/api/estimate', estimateSchema, inputs ? { flow, inputs } : { flow }),
  approvals: () => requestJson('GET', '/api/approvals', approvalListSchema),
};
