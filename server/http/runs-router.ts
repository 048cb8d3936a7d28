/** `/api/runs`: start an unsaved flow, list, state, events, cancel, decide. */
import { Router } from 'express';
import { pinSavedCalls, validateWithSavedFlows } from '../store/called-flows.ts';
import type { FlowsRepository } from '../store/flows-repository.ts';
import { badRequest, notFound } from '../request-error.ts';
import type { RunManager } from '../run-manager.ts';
import { problemIssues } from './flows-router.ts';
import { parseRequest } from './parse-request.ts';
import { originOf, withTraceparent } from './trace-context.ts';
import { cancelAnswer, decisionAnswer, runCreatedAnswer, runEventsAnswer, runListAnswer, runStateAnswer } from '../../shared/wire/rest-answers.ts';
import { cancelBody, decisionBody, emptyQuery, eventsQuery, runParams, runsQuery, startRunBody, stepParams } from '../../shared/wire/rest-requests.ts';
import { reply } from './reply.ts';
import { replayRun, whatIfRun } from '../run-replay/replay-run.ts';
import { runComparisonAnswer, whatIfBody } from '../../shared/wire/run-replay.ts';

export const DEFAULT_ACTOR = 'user';

export function runsRouter(runs: RunManager, flows: FlowsRepository): Router {
  const router = Router();

  router.post('/', async (request, response) => {
    parseRequest(emptyQuery, request.query, 'query');
    const body = parseRequest(startRunBody, request.body, 'body');
    const result = await validateWithSavedFlows(body.flow, flows);
    if (!result.ok) throw badRequest(`the flow is not valid: ${result.problems[0]?.message ?? ''}`, problemIssues(result.problems, 'flow'));
    const pinned = await pinSavedCalls(result.flow, flows);
    reply(response, runCreatedAnswer, await runs.start(result.flow, body.inputs ?? {}, { flows: pinned, ...originOf(withTraceparent(request, body.origin, 'api')) }), 201);
  });

  router.get('/', (request, response) => {
    reply(response, runListAnswer, runs.history(parseRequest(runsQuery, request.query, 'query')));
  });

  router.get('/:runId', async (request, response) => {
    const { runId } = parseRequest(runParams, request.params, 'params');
    parseRequest(emptyQuery, request.query, 'query');
    const state = await runs.state(runId);
    if (!state) throw notFound(`there is no run "${runId}"`);
    reply(response, runStateAnswer, state);
  });

  router.get('/:runId/events', async (request, response) => {
    const { runId } = parseRequest(runParams, request.params, 'params');
    const { after = 0 } = parseRequest(eventsQuery, request.query, 'query');
    const events = await runs.events(runId, after);
    if (!events) throw notFound(`there is no run "${runId}"`);
    reply(response, runEventsAnswer, { events });
  });

  router.post('/:runId/cancel', async (request, response) => {
    const { runId } = parseRequest(runParams, request.params, 'params');
    parseRequest(emptyQuery, request.query, 'query');
    const body = parseRequest(cancelBody, request.body ?? {}, 'body');
    const state = await runs.cancel(runId, body.by ?? DEFAULT_ACTOR);
    reply(response, cancelAnswer, { runId, status: state.status });
  });

  router.post('/:runId/steps/:nodeId/decision', async (request, response) => {
    const { runId, nodeId } = parseRequest(stepParams, request.params, 'params');
    parseRequest(emptyQuery, request.query, 'query');
    const body = parseRequest(decisionBody, request.body, 'body');
    const { by, ...answer } = body;
    const state = await runs.decide(runId, nodeId, { ...answer, by: by ?? DEFAULT_ACTOR });
    reply(response, decisionAnswer, { runId, nodeId, status: state.status, step: Object.hasOwn(state.steps, nodeId) ? state.steps[nodeId] : undefined });
  });

  router.post('/:runId/replay', async (request, response) => {
    const { runId } = parseRequest(runParams, request.params, 'params');
    parseRequest(emptyQuery, request.query, 'query');
    reply(response, runComparisonAnswer, await replayRun(runs, runId), 201);
  });

  router.post('/:runId/what-if', async (request, response) => {
    const { runId } = parseRequest(runParams, request.params, 'params');
    parseRequest(emptyQuery, request.query, 'query');
    const body = parseRequest(whatIfBody, request.body, 'body');
    reply(response, runComparisonAnswer, await whatIfRun(runs, runId, body.set), 201);
  });

  return router;
}
