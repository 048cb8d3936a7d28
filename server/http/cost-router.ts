/** `GET /api/cost`: the cost view over the run logs, per flow (`?flowId=`) or overall, from `?since=`. */
import { Router } from 'express';
import { costSummarySchema, type CostSummary } from '../../shared/cost-summary.ts';
import { costQuery } from '../../shared/wire/rest-requests.ts';
import { parseRequest } from './parse-request.ts';
import { reply } from './reply.ts';

export function costRouter(view: (query: { flowId?: string; since?: string }) => Promise<CostSummary>): Router {
  const router = Router();
  router.get('/', async (request, response, next) => {
    try {
      const query = parseRequest(costQuery, request.query, 'query');
      reply(response, costSummarySchema, await view({ ...(query.flowId !== undefined ? { flowId: query.flowId } : {}), ...(query.since !== undefined ? { since: query.since } : {}) }));
    } catch (error) {
      next(error);
    }
  });
  return router;
}
