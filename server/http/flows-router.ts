/** `GET/PUT/DELETE /api/flows[/:id]` and `POST /api/flows/:id/runs`. */
import { Router } from 'express';
import { canonicalFlow } from '../../shared/canonical.ts';
import { flowSchema, migrateFlowDocument, type Flow } from '../../shared/flow.ts';
import type { Problem } from '../../shared/validate.ts';
import { pinSavedCalls, validateWithSavedFlows } from '../store/called-flows.ts';
import { badRequest, notFound, RequestError, type Issue } from '../request-error.ts';
import type { RunManager } from '../run-manager.ts';
import type { FlowsRepository } from '../store/flows-repository.ts';
import { parseRequest } from './parse-request.ts';
import { originOf, withTraceparent } from './trace-context.ts';
import { emptyQuery, flowDocumentBody, flowParams, startSavedRunBody } from '../../shared/wire/rest-requests.ts';
import { flowDocumentAnswer, flowListAnswer, runCreatedAnswer, savedFlowAnswer } from '../../shared/wire/rest-answers.ts';
import { reply } from './reply.ts';

export function problemIssues(problems: Problem[], base = ''): Issue[] {
  return problems.map(({ path, message, ...rest }) => ({ path: base && path ? `${base}.${path}` : base || path, message, ...rest }));
}

/** The flow of a body that is structurally a flow (schema-parsable after migration), else undefined. */
function draftFlow(body: unknown): Flow | undefined {
  const migrated = migrateFlowDocument(body);
  if (!migrated.ok) return undefined;
  const parsed = flowSchema.safeParse(migrated.document);
  return parsed.success ? parsed.data : undefined;
}

export function flowsRouter(flows: FlowsRepository, runs: RunManager): Router {
  const router = Router();

  router.get('/', async (request, response) => {
    parseRequest(emptyQuery, request.query, 'query');
    reply(response, flowListAnswer, { flows: await flows.list() });
  });

  router.get('/:id', async (request, response) => {
    const { id } = parseRequest(flowParams, request.params, 'params');
    parseRequest(emptyQuery, request.query, 'query');
    const result = await flows.get(id);
    if (result.status === 'missing') throw notFound(`there is no flow "${id}"`);
    if (result.status === 'invalid') {
      // A file that is JSON still opens (the editor shows its problems and can fix it); one that is not gets 422.
      if (!result.document) throw new RequestError(422, `the file of flow "${id}" is not a valid flow`, problemIssues(result.problems));
      response.set('X-Weft-Flow-Problems', String(result.problems.length));
      reply(response, flowDocumentAnswer, result.document);
      return;
    }
    response.set('ETag', `"${result.hash}"`);
    reply(response, savedFlowAnswer, result.flow);
  });

  router.put('/:id', async (request, response) => {
    const { id } = parseRequest(flowParams, request.params, 'params');
    parseRequest(emptyQuery, request.query, 'query');
    const body = parseRequest(flowDocumentBody, request.body, 'body');
    const result = await validateWithSavedFlows(body, flows);
    // A draft: well-formed, but with graph problems (an unwired input, a bad config). It is kept so
    // work in progress is never lost; running it stays refused until the problems are fixed.
    const draft = result.ok ? undefined : draftFlow(body);
    if (!result.ok && !draft) throw badRequest(`the flow is not valid: ${result.problems[0]?.message ?? ''}`, problemIssues(result.problems));
    const flow = result.ok ? result.flow : draft!;
    if (flow.id !== id) throw badRequest(`the body's id "${flow.id}" differs from the URL's "${id}"`, [{ path: 'id', message: `must be "${id}"` }]);
    const { created, hash } = await flows.put(flow);
    response.set('ETag', `"${hash}"`).set('X-Weft-Flow-Problems', String(result.problems.length));
    reply(response, savedFlowAnswer, result.ok ? canonicalFlow(flow) : { ...canonicalFlow(flow), problems: problemIssues(result.problems) }, created ? 201 : 200);
  });

  router.delete('/:id', async (request, response) => {
    const { id } = parseRequest(flowParams, request.params, 'params');
    parseRequest(emptyQuery, request.query, 'query');
    if (!(await flows.delete(id))) throw notFound(`there is no flow "${id}"`);
    response.status(204).end();
  });

  router.post('/:id/runs', async (request, response) => {
    const { id } = parseRequest(flowParams, request.params, 'params');
    parseRequest(emptyQuery, request.query, 'query');
    const body = parseRequest(startSavedRunBody, request.body ?? {}, 'body');
    const result = await flows.get(id);
    if (result.status === 'missing') throw notFound(`there is no flow "${id}"`);
    if (result.status === 'invalid') throw badRequest(`flow "${id}" has problems; fix them before running it`, problemIssues(result.problems, 'flow'));
    const pinned = await pinSavedCalls(result.flow, flows);
    reply(response, runCreatedAnswer, await runs.start(result.flow, body.inputs ?? {}, { flows: pinned, ...originOf(withTraceparent(request, body.origin, 'api')) }), 201);
  });

  return router;
}
