/** Express face of server/security.ts: refuses before routing, and only JSON bodies get parsed. */
import type { RequestHandler } from 'express';
import { bearerToken, cookieToken, decideAccess, singleHeader, tokenAllowed, tokenCookie, type AccessPolicy } from '../security.ts';
import { sendError } from './error-handler.ts';
import { INVOKE_PATH } from './invoke-router.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function accessGuard(policy: () => AccessPolicy): RequestHandler {
  return (request, response, next) => {
    const current = policy();
    const isApi = request.path === '/api' || request.path.startsWith('/api/');
    const decision = decideAccess(current, {
      host: singleHeader(request, 'host'),
      origin: singleHeader(request, 'origin'),
      checkOrigin: !SAFE_METHODS.has(request.method),
      // Invoking is decided by the invoke router: API keys, or the token (http/invoke-router.ts).
      needsToken: (isApi && !(request.method === 'POST' && INVOKE_PATH.test(request.path))) || request.path === '/metrics',
      token: bearerToken(singleHeader(request, 'authorization')) ?? cookieToken(singleHeader(request, 'cookie')),
    });
    if (!decision.ok) return sendError(response, decision.status, decision.message);
    // Opening the UI as `/?token=...`: keep the token in a cookie and drop it from the address bar.
    const offered = typeof request.query.token === 'string' ? request.query.token : undefined;
    if (!isApi && request.method === 'GET' && current.token !== undefined && offered !== undefined) {
      if (!tokenAllowed(current, offered)) return sendError(response, 401, 'wrong access token');
      const url = new URL(request.originalUrl, 'http://localhost');
      url.searchParams.delete('token');
      response.set({ 'Set-Cookie': tokenCookie(offered), 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
      return response.redirect(303, `${url.pathname}${url.search}`);
    }
    response.set({ 'X-Content-Type-Options': 'nosniff', 'X-Frame-Options': 'DENY', 'Referrer-Policy': 'no-referrer', 'Cross-Origin-Resource-Policy': 'same-origin' });
    next();
  };
}

/** A body that is not JSON is refused rather than silently read as empty. */
export const requireJsonBody: RequestHandler = (request, response, next) => {
  const hasBody = (request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0') || request.headers['transfer-encoding'] !== undefined;
  if (hasBody && !request.is('application/json')) return sendError(response, 415, 'send the request body as application/json');
  response.set('Cache-Control', 'no-store');
  next();
};
