/**
 * `POST /api/flows/:id/invoke?wait=`: how an application uses a flow. Starts a run of the saved
 * flow and waits up to `wait` seconds: 200 with its outputs and cost once it ended, 202 with its
 * URL while it runs or waits for a person. `GET /api/flows/:id/openapi.json` describes the call. Who may call it is decided here, not by the admin
 * token alone (see `authorizeInvoke`); an `Idempotency-Key` makes a retry return the same run.
 */
import { Router, type Request } from 'express';
import { flowOpenApi } from '../../shared/flow-openapi.ts';
import type { RunOrigin } from '../../shared/run-origin.ts';
import type { RunState } from '../../shared/run-state.ts';
import { invokeAnswer, type InvokeAnswer } from '../../shared/wire/rest-answers.ts';
import { DEFAULT_INVOKE_WAIT_SECONDS, emptyQuery, flowParams, idempotencyKeyHeader, invokeBody, invokeQuery } from '../../shared/wire/rest-requests.ts';
import { awaitRun } from '../invoke/await-run.ts';
import { requestFingerprint, type Idempotency } from '../invoke/idempotency-store.ts';
import { checkKey, type ApiKeyStore } from '../keys/api-keys.ts';
import { badRequest, notFound, RequestError } from '../request-error.ts';
import type { RunManager } from '../run-manager.ts';
import { bearerToken, cookieToken, singleHeader, tokenAllowed, type AccessPolicy } from '../security.ts';
import type { FlowsRepository } from '../store/flows-repository.ts';
import { pinSavedCalls } from '../store/called-flows.ts';
import { problemIssues } from './flows-router.ts';
import { parseRequest } from './parse-request.ts';
import { reply } from './reply.ts';
import { withTraceparent } from './trace-context.ts';

export interface InvokeOptions {
  policy: () => AccessPolicy;
  flows: FlowsRepository;
  runs: RunManager;
  keys: ApiKeyStore;
  idempotency: Idempotency;
}

/** The access guard lets this path through without the admin token: `authorizeInvoke` decides. */
export const INVOKE_PATH = /^\/api\/flows\/[^/]+\/invoke$/;

/**
 * Once any API key exists (revoked ones too), invoking needs a valid key for the flow, on
 * loopback as well; the admin token is accepted too. With no keys, the admin policy applies:
 * open on loopback without `WEFT_TOKEN`, the token otherwise.
 */
export async function authorizeInvoke(request: Request, flowId: string, options: InvokeOptions): Promise<RunOrigin> {
  const policy = options.policy();
  const presented = bearerToken(singleHeader(request, 'authorization')) ?? cookieToken(singleHeader(request, 'cookie'));
  if (policy.token !== undefined && presented !== undefined && tokenAllowed(policy, presented)) return { type: 'invoke' };
  const keys = await options.keys.list();
  if (keys.length === 0) {
    if (policy.token === undefined) return { type: 'invoke' };
    throw new RequestError(401, presented === undefined ? 'invoking needs an API key or the access token (Authorization: Bearer ...)' : 'wrong access token or API key');
  }
  const check = checkKey(keys, presented, flowId);
  if (!check.ok) throw new RequestError(check.status, check.message);
  return { type: 'invoke', name: check.key.name };
}

function answerOf(runId: string, state: RunState | undefined): { status: 200 | 202; body: InvokeAnswer } {
  if (!state || state.status === 'running' || state.status === 'waiting') return { status: 202, body: { runId, status: state?.status ?? 'running', url: `/api/runs/${runId}` } };
  const error = state.error ? { message: state.error.message, code: state.error.code } : undefined;
  return { status: 200, body: { runId, status: state.status, outputs: state.outputs ?? {}, costUsd: state.costUsd, ...(error ? { error } : {}) } };
}

export function invokeRouter(options: InvokeOptions): Router {
  const router = Router();
  router.post('/:id/invoke', async (request, response) => {
    const { id } = parseRequest(flowParams, request.params, 'params');
    const key = await authorizeInvoke(request, id, options);
    const origin = withTraceparent(request, key, 'invoke') ?? key;
    const { wait = DEFAULT_INVOKE_WAIT_SECONDS } = parseRequest(invokeQuery, request.query, 'query');
    const body = parseRequest(invokeBody, request.body ?? {}, 'body');
    const headerValue = singleHeader(request, 'idempotency-key');
    const idempotencyKey = headerValue === undefined ? undefined : idempotencyKeyHeader.safeParse(headerValue);
    if (idempotencyKey && !idempotencyKey.success) throw badRequest('invalid Idempotency-Key header', [{ path: 'headers.idempotency-key', message: idempotencyKey.error.issues[0]!.message }]);
    const inputs = body.inputs ?? {};
    const start = async (): Promise<string> => {
      const result = await options.flows.get(id);
      if (result.status === 'missing') throw notFound(`there is no flow "${id}"`);
      if (result.status === 'invalid') throw badRequest(`flow "${id}" has problems; fix them before invoking it`, problemIssues(result.problems, 'flow'));
      return (await options.runs.start(result.flow, inputs, { origin, flows: await pinSavedCalls(result.flow, options.flows) })).runId;
    };
    let runId: string;
    if (idempotencyKey) {
      const scope = { keyName: key.name ?? '', flowId: id, key: idempotencyKey.data };
      const remembered = await options.idempotency.remember(scope, requestFingerprint({ id, inputs }), start);
      if ('mismatch' in remembered) throw new RequestError(422, 'this Idempotency-Key was already used with different inputs; use a new key for a new call');
      runId = remembered.runId;
      if (remembered.reused) response.set('Idempotent-Replayed', 'true');
    } else {
      runId = await start();
    }
    const answer = answerOf(runId, await awaitRun(options.runs, runId, wait * 1000));
    if (answer.status === 202) response.set('Location', answer.body.url!);
    reply(response, invokeAnswer, answer.body, answer.status);
  });
  router.get('/:id/openapi.json', async (request, response) => {
    const { id } = parseRequest(flowParams, request.params, 'params');
    parseRequest(emptyQuery, request.query, 'query');
    const result = await options.flows.get(id);
    if (result.status === 'missing') throw notFound(`there is no flow "${id}"`);
    if (result.status === 'invalid') throw new RequestError(422, `flow "${id}" has problems; fix them to get its API`, problemIssues(result.problems, 'flow'));
    response.json(flowOpenApi(result.flow, result.hash.slice(0, 12)));
  });

  return router;
}
