/**
 * The Express application: the access guard first (Host, Origin, token: refused before anything
 * runs), then capped JSON bodies, the API routers, JSON 404s under /api, and the built client.
 */
import express, { type Express } from 'express';
import { accessGuard, requireJsonBody } from './http/access-guard.ts';
import { apiNotFound, errorHandler } from './http/error-handler.ts';
import type { CostSummary } from '../shared/cost-summary.ts';
import { costRouter } from './http/cost-router.ts';
import { evaluationRouter, type EvaluationRouterOptions } from './http/evaluation-router.ts';
import { flowsRouter } from './http/flows-router.ts';
import { invokeRouter } from './http/invoke-router.ts';
import { keysRouter } from './http/keys-router.ts';
import type { Idempotency } from './invoke/idempotency-store.ts';
import type { ApiKeyStore } from './keys/api-keys.ts';
import type { RunMetrics } from './metrics/run-metrics.ts';
import { runsRouter } from './http/runs-router.ts';
import { serviceRouter, type ServiceInfo } from './http/service-router.ts';
import { staticClient } from './http/static-client.ts';
import type { RunManager } from './run-manager.ts';
import type { AccessPolicy } from './security.ts';
import type { FlowsRepository } from './store/flows-repository.ts';

export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

export interface AppOptions {
  policy: () => AccessPolicy;
  flows: FlowsRepository;
  runs: RunManager;
  info: ServiceInfo;
  keys: ApiKeyStore;
  /** `GET /metrics` (server/metrics/run-metrics.ts). */
  metrics?: RunMetrics;
  idempotency: Idempotency;
  /** The cost view (server/spend/cost-view.ts); without it `/api/cost` is not served. */
  cost?: (query: { flowId?: string; since?: string }) => Promise<CostSummary>;
  /** Cases and evaluations for the designer (server/http/evaluation-router.ts); without it they are not served. */
  evaluation?: Omit<EvaluationRouterOptions, 'flows'>;
  distDir?: string | undefined;
  bodyLimitBytes?: number;
  log?: (line: string) => void;
}

export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(accessGuard(options.policy));
  app.use('/api', requireJsonBody, express.json({ limit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES, strict: true, type: 'application/json' }));
  app.use('/api/flows', invokeRouter({ policy: options.policy, flows: options.flows, runs: options.runs, keys: options.keys, idempotency: options.idempotency }));
  app.use('/api/keys', keysRouter(options.keys));
  app.use('/api/flows', flowsRouter(options.flows, options.runs));
  if (options.evaluation) app.use('/api', evaluationRouter({ flows: options.flows, ...options.evaluation }));
  app.use('/api/runs', runsRouter(options.runs, options.flows));
  if (options.cost) app.use('/api/cost', costRouter(options.cost));
  app.use('/api', serviceRouter(options.runs, options.info, options.flows));
  app.use('/api', apiNotFound);
  const metrics = options.metrics;
  if (metrics) app.get('/metrics', async (_request, response) => void response.type(metrics.registry.contentType).send(await metrics.text()));
  app.use(staticClient(options.distDir));
  app.use(errorHandler(options.log ?? ((line) => console.error(line))));
  return app;
}
