/**
 * Evaluations from the designer: `GET/PUT /api/flows/:id/cases`, `POST /api/flows/:id/evaluations/estimate`,
 * `POST /api/flows/:id/evaluations` (202, then poll) and `GET /api/evaluations/:evaluationId`.
 * The cases, variants and evaluation are the CLI's (server/evaluation/); this file only speaks HTTP.
 */
import { Router, type Request } from 'express';
import type { EvaluationCase } from '../../shared/cases.ts';
import type { Flow } from '../../shared/flow.ts';
import { emptyQuery, flowParams } from '../../shared/wire/rest-requests.ts';
import { casesAnswer, evaluationAnswer, evaluationBody, evaluationEstimateAnswer, evaluationParams, evaluationStartedAnswer, MAX_EVALUATION_CASES, saveCasesBody, type EvaluationBody } from '../../shared/wire/evaluation.ts';
import type { CasesFiles } from '../evaluation/cases-files.ts';
import { estimateEvaluation } from '../evaluation/estimate-evaluation.ts';
import type { EvaluationJobs, EvaluationVariantPlan } from '../evaluation/evaluation-jobs.ts';
import { applySettings, settingsFromRecord } from '../evaluation/flow-variants.ts';
import type { FlowEstimate } from '../estimate.ts';
import { badRequest, notFound, RequestError } from '../request-error.ts';
import type { FlowsRepository } from '../store/flows-repository.ts';
import { problemIssues } from './flows-router.ts';
import { parseRequest } from './parse-request.ts';
import { reply } from './reply.ts';

export interface EvaluationRouterOptions {
  flows: FlowsRepository;
  cases: CasesFiles;
  jobs: EvaluationJobs;
  estimate: (flow: Flow, inputs: Record<string, unknown>) => FlowEstimate;
  simulated: boolean;
}

async function savedFlow(flows: FlowsRepository, id: string): Promise<Flow> {
  const result = await flows.get(id);
  if (result.status === 'missing') throw notFound(`there is no flow "${id}"`);
  if (result.status === 'invalid') throw badRequest(`flow "${id}" has problems; fix them before evaluating it`, problemIssues(result.problems, 'flow'));
  return result.flow;
}

function variantPlans(flow: Flow, body: EvaluationBody): EvaluationVariantPlan[] {
  const requested = body.variants ?? [{ set: {} }];
  return requested.map((variant, index) => {
    const settings = settingsFromRecord(variant.set, `variants.${index}.set`);
    if (typeof settings === 'string') throw badRequest(settings, [{ path: `body.variants.${index}.set`, message: settings }]);
    const applied = applySettings(flow, settings);
    if (!applied.ok) throw badRequest(applied.message, [{ path: `body.variants.${index}.set`, message: applied.message }]);
    return { label: settings.length === 0 ? 'as saved' : settings.map((setting) => setting.text).join(' '), settings: variant.set, flow: applied.flow };
  });
}

/** The cases to run: the named ones (each must exist), else all; never more than MAX_EVALUATION_CASES. */
async function selectedCases(options: EvaluationRouterOptions, flow: Flow, names: readonly string[] | undefined): Promise<EvaluationCase[]> {
  const read = await options.cases.read(flow);
  if (read.problems.length > 0) throw new RequestError(422, `${read.file} has problems; fix them before evaluating`, read.problems.map((problem) => ({ path: `line ${problem.line}`, message: problem.message })));
  for (const name of names ?? []) if (!read.cases.some((candidate) => candidate.name === name)) throw badRequest(`there is no case "${name}"`, [{ path: 'body.cases', message: `no case "${name}"` }]);
  const cases = names ? read.cases.filter((candidate) => names.includes(candidate.name)) : read.cases;
  if (cases.length === 0) throw badRequest(`flow "${flow.id}" has no cases to evaluate; save a run as a case first`);
  if (cases.length > MAX_EVALUATION_CASES) throw badRequest(`${cases.length} cases; the designer evaluates at most ${MAX_EVALUATION_CASES} at once (pick some by name, or use weft eval)`, [{ path: 'body.cases', message: `at most ${MAX_EVALUATION_CASES}` }]);
  return cases;
}

export function evaluationRouter(options: EvaluationRouterOptions): Router {
  const router = Router();

  router.get('/flows/:id/cases', async (request, response) => {
    const { id } = parseRequest(flowParams, request.params, 'params');
    parseRequest(emptyQuery, request.query, 'query');
    reply(response, casesAnswer, await options.cases.read(await savedFlow(options.flows, id)));
  });

  router.put('/flows/:id/cases', async (request, response) => {
    const { id } = parseRequest(flowParams, request.params, 'params');
    parseRequest(emptyQuery, request.query, 'query');
    const body = parseRequest(saveCasesBody, request.body, 'body');
    const flow = await savedFlow(options.flows, id);
    const saved = await options.cases.save(flow, body.cases);
    if (!saved.ok) {
      const issues = saved.problems.map((problem) => ({ path: `body.cases.${Math.max(0, problem.line - 1)}`, message: `line ${problem.line}${problem.caseName ? ` (case "${problem.caseName}")` : ''}: ${problem.message}` }));
      throw badRequest(`the cases do not fit: ${issues.map((issue) => issue.message).join('; ')}`, issues);
    }
    reply(response, casesAnswer, { cases: saved.cases, problems: [], file: options.cases.fileName(id) });
  });

  /** An evaluation asked for: the saved flow, its variants and the cases chosen. */
  const evaluationRequest = async (request: Request) => {
    const { id } = parseRequest(flowParams, request.params, 'params');
    parseRequest(emptyQuery, request.query, 'query');
    const body = parseRequest(evaluationBody, request.body ?? {}, 'body');
    const flow = await savedFlow(options.flows, id);
    return { flow, variants: variantPlans(flow, body), cases: await selectedCases(options, flow, body.cases) };
  };

  router.post('/flows/:id/evaluations/estimate', async (request, response) => {
    const { flow, variants, cases } = await evaluationRequest(request);
    reply(response, evaluationEstimateAnswer, { caseCount: cases.length, variants: estimateEvaluation(variants, cases, options.estimate), simulated: options.simulated });
  });

  router.post('/flows/:id/evaluations', async (request, response) => {
    const { flow, variants, cases } = await evaluationRequest(request);
    const evaluationId = options.jobs.start(flow.id, cases, variants);
    const url = `/api/evaluations/${evaluationId}`;
    response.set('Location', url);
    reply(response, evaluationStartedAnswer, { evaluationId, url }, 202);
  });

  router.get('/evaluations/:evaluationId', async (request, response) => {
    const { evaluationId } = parseRequest(evaluationParams, request.params, 'params');
    parseRequest(emptyQuery, request.query, 'query');
    const answer = options.jobs.get(evaluationId);
    if (!answer) throw notFound(`there is no evaluation "${evaluationId}" (finished ones are kept for a while, then forgotten)`);
    reply(response, evaluationAnswer, answer);
  });

  return router;
}
