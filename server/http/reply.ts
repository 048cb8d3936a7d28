/**
 * Answers typed by the shared wire contract (shared/wire/rest-answers.ts): a handler can only send
 * what the schema describes, which is what the client parses.
 */
import type { Response } from 'express';
import type { z } from 'zod';

export function reply<T extends z.ZodType>(response: Response, _schema: T, answer: z.input<T>, status = 200): void {
  response.status(status).json(answer);
}
