/**
 * A person's or a client's mistake, with the HTTP status it maps to: a clear message and, where
 * it helps, issues naming the path and the problem. Not logged as a fault.
 */
export interface Issue {
  path: string;
  message: string;
  [key: string]: unknown;
}

export type RequestErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422;

export class RequestError extends Error {
  readonly status: RequestErrorStatus;
  readonly issues: Issue[] | undefined;

  constructor(status: RequestErrorStatus, message: string, issues?: Issue[]) {
    super(message);
    this.name = 'RequestError';
    this.status = status;
    this.issues = issues;
  }
}

export const badRequest = (message: string, issues?: Issue[]): RequestError => new RequestError(400, message, issues);
export const notFound = (message: string): RequestError => new RequestError(404, message);
export const conflict = (message: string): RequestError => new RequestError(409, message);
