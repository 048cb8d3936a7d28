/** `/api/keys`: the designer's Settings list, create and revoke API keys (behind the admin access policy). */
import { Router } from 'express';
import { keyCreatedAnswer, keyListAnswer } from '../../shared/wire/rest-answers.ts';
import { createKeyBody, emptyQuery, keyParams } from '../../shared/wire/rest-requests.ts';
import { KeyError, keySummary, type ApiKeyStore } from '../keys/api-keys.ts';
import { conflict, notFound } from '../request-error.ts';
import { parseRequest } from './parse-request.ts';
import { reply } from './reply.ts';

export function keysRouter(keys: ApiKeyStore): Router {
  const router = Router();
  router.get('/', async (request, response) => {
    parseRequest(emptyQuery, request.query, 'query');
    reply(response, keyListAnswer, { keys: (await keys.list()).map(keySummary) });
  });
  router.post('/', async (request, response) => {
    parseRequest(emptyQuery, request.query, 'query');
    const body = parseRequest(createKeyBody, request.body, 'body');
    try {
      reply(response, keyCreatedAnswer, await keys.create(body.name, body.flows), 201);
    } catch (error) {
      if (error instanceof KeyError) throw conflict(error.message);
      throw error;
    }
  });
  router.delete('/:name', async (request, response) => {
    const { name } = parseRequest(keyParams, request.params, 'params');
    parseRequest(emptyQuery, request.query, 'query');
    if (!(await keys.revoke(name))) throw notFound(`there is no active key named "${name}"`);
    response.status(204).end();
  });
  return router;
}
