/**
 * JSON over fetch with the contract's error shape (`{error: {message, issues?}}`), every response
 * parsed with a zod schema at the boundary.
 */
import type { z } from 'zod';
import { errorAnswer } from '../../shared/wire/rest-answers.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly issues: unknown[];

  constructor(status: number, message: string, issues: unknown[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.issues = issues;
  }
}

/** Human text for an issue the server returned (a validator problem, a zod issue or a string). */
export function issueText(issue: unknown): string {
  if (typeof issue === 'string') return issue;
  if (issue && typeof issue === 'object' && 'message' in issue && typeof issue.message === 'string') return issue.message;
  return JSON.stringify(issue);
}

/** An error's message with the issues it does not already say (the server often repeats the first in its message). */
export function errorWithIssues(error: ApiError, limit = 3): string {
  const extra = error.issues.map(issueText).filter((text) => !error.message.includes(text)).slice(0, limit);
  return extra.length > 0 ? `${error.message}: ${extra.join('; ')}` : error.message;
}

export async function requestJson<T extends z.ZodType>(method: string, url: string, schema: T, body?: unknown): Promise<z.output<T>> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new ApiError(0, `the Weft server did not answer (${error instanceof Error ? error.message : String(error)})`);
  }
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const parsed = errorAnswer.safeParse(json);
    if (parsed.success) throw new ApiError(response.status, parsed.data.error.message, parsed.data.error.issues ?? []);
    throw new ApiError(response.status, `${method} ${url} failed with ${response.status} ${response.statusText}`.trim());
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError(response.status, `unexpected answer from ${method} ${url}: ${issue ? `${issue.path.join('.')} ${issue.message}` : 'bad shape'}`);
  }
  return parsed.data;
}
