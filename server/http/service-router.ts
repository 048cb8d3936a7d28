/** `POST /api/estimate`, `GET /api/approvals`, `GET /api/health`. */
import { Router } from 'express';
import type { Flow } from '../../shared/flow.ts';
import { lookupIn, type FlowLookup } from '../../shared/flow-calls.ts';
import { loadSavedCalls, validateWithSavedFlows } from '../store/called-flows.ts';
import type { FlowsRepository } from '../store/flows-repository.ts';
import { badRequest } from '../request-error.ts';
import type { RunManager } from '../run-manager.ts';
import type { StoreKind } from '../store/flows-repository.ts';
import { problemIssues } from './flows-router.ts';
import { parseRequest } from './parse-request.ts';
import { approvalListAnswer, estimateAnswer, pendingApprovalSchema, healthAnswer, type FlowEstimate, type Health } from '../../shared/wire/rest-answers.ts';
import { emptyQuery, estimateBody } from '../../shared/wire/rest-requests.ts';
import { reply } from './reply.ts';

export interface ServiceInfo {
  /** Worst-case cost of a flow (server/estimate.ts over the model service). */
  estimate(flow: Flow, inputs: Record<string, unknown>, called?: FlowLookup): FlowEstimate;
  /** What the UI may know about providers (names, models, simulated; never keys or URLs) and which store holds the state. */
  health(): Omit<Health, 'ok'> | Promise<Omit<Health, 'ok'>>;
}

export function serviceRouter(runs: RunManager, info: ServiceInfo, flows: FlowsRepository): Router {
  const router = Router();

  router.post('/estimate', async (request, response) => {
    parseRequest(emptyQuery, request.query, 'query');
    const body = parseRequest(estimateBody, request.body, 'body');
    const result = await validateWithSavedFlows(body.flow, flows);
    if (!result.ok) throw badRequest(`the flow is not valid: ${result.problems[0]?.message ?? ''}`, problemIssues(result.problems, 'flow'));
    const called = await loadSavedCalls(result.flow, flows);
    reply(response, estimateAnswer, info.estimate(result.flow, body.inputs ?? {}, lookupIn(called)));
  });

  router.get('/approvals', (request, response) => {
    parseRequest(emptyQuery, request.query, 'query');
    // The inbox's cards are the approval kind's own UI: a wait of another person-answered kind
    // needs its own card and its own entry in the wire schema before it is listed here.
    const approvals = runs.approvals().flatMap((item) => {
      const parsed = pendingApprovalSchema.safeParse(item);
      return parsed.success ? [parsed.data] : [];
    });
    reply(response, approvalListAnswer, { approvals });
  });

  router.get('/health', async (request, response) => {
    parseRequest(emptyQuery, request.query, 'query');
    reply(response, healthAnswer, { ok: true, ...(await info.health()) });
  });

  return router;
}
