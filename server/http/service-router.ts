/** `POST /api/estimate`, `GET /api/approvals`, `GET /api/health`. */
import { Router } from 'express';
import type { Flow } from '../../shared/flow.ts';
import { validateFlowDocument } from '../../shared/validate.ts';
import { badRequest } from '../request-error.ts';
import type { RunManager } from '../run-manager.ts';
import { problemIssues } from './flows-router.ts';
import { parseRequest } from './parse-request.ts';
import { approvalListAnswer, estimateAnswer, healthAnswer, type FlowEstimate, type Health } from '../../shared/wire/rest-answers.ts';
import { emptyQuery, estimateBody } from '../../shared/wire/rest-requests.ts';
import { reply } from './reply.ts';

export interface ServiceInfo {
  /** Worst-case cost of a flow (server/estimate.ts over the model service). */
  estimate(flow: Flow, inputs: Record<string, unknown>): FlowEstimate;
  /** What the UI may know about providers: names, models, simulated; never keys or URLs. */
  health(): Omit<Health, 'ok'>;
}

export function serviceRouter(runs: RunManager, info: ServiceInfo): Router {
  const router = Router();

  router.post('/estimate', (request, response) => {
    parseRequest(emptyQuery, request.query, 'query');
    const body = parseRequest(estimateBody, request.body, 'body');
    const result = validateFlowDocument(body.flow);
    if (!result.ok) throw badRequest(`the flow is not valid: ${result.problems[0]?.message ?? ''}`, problemIssues(result.problems, 'flow'));
    reply(response, estimateAnswer, info.estimate(result.flow, body.inputs ?? {}));
  });

  router.get('/approvals', (request, response) => {
    parseRequest(emptyQuery, request.query, 'query');
    reply(response, approvalListAnswer, { approvals: runs.approvals() });
  });

  router.get('/health', (request, response) => {
    parseRequest(emptyQuery, request.query, 'query');
    reply(response, healthAnswer, { ok: true, ...info.health() });
  });

  return router;
}
