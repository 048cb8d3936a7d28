/**
 * Every body, param and query goes through a strict zod schema before a handler sees it; a
 * mismatch is a 400 whose issues name the path and the problem.
 */
import type { z } from 'zod';
import { formatPath } from '../../shared/validate.ts';
import { badRequest, type Issue } from '../request-error.ts';

export type RequestPart = 'body' | 'query' | 'params';

export function zodIssues(error: z.ZodError, base: string): Issue[] {
  return error.issues.map((issue) => {
    const path = formatPath([...(base ? [base] : []), ...issue.path]);
    const message = issue.code === 'unrecognized_keys' ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}` : issue.message;
    return { path, message };
  });
}

export function parseRequest<T extends z.ZodType>(schema: T, value: unknown, part: RequestPart): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = zodIssues(result.error, part);
  throw badRequest(`invalid request ${part}: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`, issues);
}
