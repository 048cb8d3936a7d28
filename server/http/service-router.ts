/** `POST /api/estimate`, `GET /api/approvals`, `GET /api/health`. */
import { Router } from 'express';
import type { Flow } from '../../shared/flow.ts';
import { validateFlowDocument } from '../../shared/validate.ts';
import { badRequest } from '../request-error.ts';
import type { RunManager } from '../run-manager.ts';
import type { StoreKind } from '../store/flows-repository.ts';
import { problemIssues } from './flows-router.ts';
import { parseRequest } from './parse-request.ts';
import { emptyQuery, estimateBody } from './request-schemas.ts';

export interface ServiceInfo {
  /** Worst-case cost of a flow (server/estimate.ts over the model service). */
  estimate(flow: Flow, inputs: Record<string, unknown>): unknown;
  /** What the UI may know about providers (names, models, simulated; never keys or URLs) and which store holds the state. */
  health(): { simulated: boolean; providers: unknown; store: StoreKind };
}

export function serviceRouter(runs: RunManager, info: ServiceInfo): Router {
  const router = Router();

  router.post('/estimate', (request, response) => {
    parseRequest(emptyQuery, request.query, 'query');
    const body = parseRequest(estimateBody, request.body, 'body');
    const result = validateFlowDocument(body.flow);
    if (!result.ok) throw badRequest(`the flow is not valid: ${result.problems[0]?.message ?? ''}`, problemIssues(result.problems, 'flow'));
    response.json(info.estimate(result.flow, body.inputs ?? {}));
  });

  router.get('/approvals', (request, response) => {
    parseRequest(emptyQuery, request.query, 'query');
    response.json({ approvals: runs.approvals() });
  });

  router.get('/health', (request, response) => {
    parseRequest(emptyQuery, request.query, 'query');
    response.json({ ok: true, ...info.health() });
  });

  return router;
}
