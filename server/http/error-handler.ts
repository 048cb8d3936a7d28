/**
 * Errors as `{error: {message, issues?}}`. A client's mistake keeps its status and message; any
 * other failure is logged and answered with a plain 500 that reveals nothing of the server.
 */
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { RequestError, type Issue } from '../request-error.ts';
import { InvalidFlowIdError } from '../store/flows-store.ts';
import { DatabaseUnavailableError } from '../store/postgres/database-errors.ts';
import { StoreUnavailableError } from '../store/store-errors.ts';

export function sendError(response: Response, status: number, message: string, issues?: Issue[]): void {
  response.status(status).json({ error: { message, ...(issues && issues.length > 0 ? { issues } : {}) } });
}

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

function bodyParserError(error: unknown): { status: number; message: string } | undefined {
  const { type, limit } = (error ?? {}) as BodyParserError;
  switch (type) {
    case 'entity.too.large':
      return { status: 413, message: `the request body is larger than ${limit ?? 'the limit'} bytes` };
    case 'entity.parse.failed':
      return { status: 400, message: 'the request body is not valid JSON' };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, message: 'send the body as UTF-8 JSON' };
    case 'request.aborted':
      return { status: 400, message: 'the request was aborted' };
    default:
      return undefined;
  }
}

export function errorHandler(log: (line: string) => void): ErrorRequestHandler {
  return (error, _request, response, next) => {
    if (response.headersSent) return next(error);
    if (error instanceof RequestError) return sendError(response, error.status, error.message, error.issues);
    if (error instanceof InvalidFlowIdError) return sendError(response, 400, error.message);
    if (error instanceof DatabaseUnavailableError) return sendError(response.set('Retry-After', '5'), 503, error.message);
    // The disk, not the request: logged, and answered with what failed (no paths) so clients retry later.
    if (error instanceof StoreUnavailableError) {
      log(`weft: request refused: ${error.message}`);
      response.setHeader('Retry-After', '1');
      return sendError(response, 503, error.message);
    }
    const parser = bodyParserError(error);
    if (parser) return sendError(response, parser.status, parser.message);
    log(`weft: request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    sendError(response, 500, 'the server failed to handle this request; see its log');
  };
}

export const apiNotFound: RequestHandler = (request, response) => {
  sendError(response, 404, `no such endpoint: ${request.method} ${request.baseUrl}${request.path}`);
};
