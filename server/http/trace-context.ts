/**
 * An incoming W3C `traceparent` header joins the run to the caller's trace: it is recorded in the
 * run's origin (so a run resumed after a restart continues the same trace). A malformed header is
 * ignored, as the W3C recommendation asks of a receiver, and the run gets a trace of its own.
 */
import type { Request } from 'express';
import { traceparentSchema, type RunOrigin } from '../../shared/run-origin.ts';
import { singleHeader } from '../security.ts';

/** The origin with the caller's trace context added; `fallback` names the start when the request gave no origin. */
export function withTraceparent(request: Request, origin: RunOrigin | undefined, fallback: RunOrigin['type']): RunOrigin | undefined {
  const header = singleHeader(request, 'traceparent');
  const parsed = header === undefined ? undefined : traceparentSchema.safeParse(header.trim());
  if (!parsed?.success) return origin;
  return { ...(origin ?? { type: fallback }), traceparent: parsed.data };
}

/** Start options carrying the origin, when there is one. */
export function originOf(origin: RunOrigin | undefined): { origin?: RunOrigin } {
  return origin ? { origin } : {};
}
