/**
 * Closed by default: the checks every HTTP request and WebSocket upgrade passes before anything
 * runs. `Host` must name this server (a DNS-rebinding page cannot), a browser `Origin` must be
 * this server's own (or the configured dev server's), and when a token is configured it must be
 * presented. No CORS headers are ever sent, so other sites cannot read answers either.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { networkInterfaces } from 'node:os';

export interface AccessPolicyOptions {
  host: string;
  port: number;
  token: string | undefined;
  allowedHosts?: string[];
  allowedOrigins?: string[];
}

export interface AccessPolicy {
  hosts: Set<string>;
  origins: Set<string>;
  token: string | undefined;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

function hostName(host: string): string {
  const lower = host.toLowerCase();
  return lower.includes(':') && !lower.startsWith('[') ? `[${lower}]` : lower;
}

/** Bound to every interface: the machine's own addresses are names it may be reached by. */
function interfaceAddresses(host: string): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [];
  return Object.values(networkInterfaces()).flatMap((entries) => (entries ?? []).map((entry) => entry.address));
}

export function createAccessPolicy(options: AccessPolicyOptions): AccessPolicy {
  const names = new Set([...LOOPBACK_NAMES, hostName(options.host), ...interfaceAddresses(options.host).map(hostName), ...(options.allowedHosts ?? []).map(hostName)]);
  const hosts = new Set<string>();
  const origins = new Set<string>();
  for (const name of names) {
    hosts.add(`${name}:${options.port}`);
    if (options.port === 80) hosts.add(name);
    origins.add(options.port === 80 ? `http://${name}` : `http://${name}:${options.port}`);
  }
  for (const origin of options.allowedOrigins ?? []) {
    origins.add(origin.toLowerCase());
    // A dev proxy that keeps the browser's Host header forwards the dev server's host.
    hosts.add(new URL(origin).host.toLowerCase());
  }
  return { hosts, origins, token: options.token };
}

export function hostAllowed(policy: AccessPolicy, host: string | undefined): boolean {
  return host !== undefined && policy.hosts.has(host.toLowerCase());
}

/** No Origin (curl, the CLI, same-origin GETs in some browsers) is fine; a foreign one is not. */
export function originAllowed(policy: AccessPolicy, origin: string | undefined): boolean {
  return origin === undefined || policy.origins.has(origin.toLowerCase());
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Constant-time comparison (hashing first makes the lengths equal). */
export function tokenAllowed(policy: AccessPolicy, presented: string | undefined): boolean {
  if (policy.token === undefined) return true;
  if (presented === undefined) return false;
  return timingSafeEqual(digest(presented), digest(policy.token));
}

export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}

/**
 * The browser's copy of the token: opening the UI once as `/?token=...` stores it in an HttpOnly,
 * SameSite=Strict cookie (see access-guard.ts), which REST calls and the WebSocket upgrade then
 * carry. SameSite plus the Origin check keep other sites from riding on it.
 */
export const TOKEN_COOKIE = 'weft_token';

export function cookieToken(cookieHeader: string | undefined): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === TOKEN_COOKIE) {
      try {
        return decodeURIComponent(value.join('='));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
}

export type AccessDecision = { ok: true } | { ok: false; status: 401 | 403; message: string };

export interface AccessRequest {
  host: string | undefined;
  origin: string | undefined;
  /** State-changing requests (POST/PUT/DELETE/PATCH) and upgrades check the Origin. */
  checkOrigin: boolean;
  /** API and WebSocket need the token; the static client does not (it holds no data). */
  needsToken: boolean;
  token: string | undefined;
}

export function decideAccess(policy: AccessPolicy, request: AccessRequest): AccessDecision {
  if (!hostAllowed(policy, request.host)) return { ok: false, status: 403, message: 'this server does not answer to that Host (DNS rebinding protection); use http://127.0.0.1 or localhost' };
  if (request.checkOrigin && !originAllowed(policy, request.origin)) return { ok: false, status: 403, message: 'requests from other sites are refused (Origin not allowed)' };
  if (request.needsToken && !tokenAllowed(policy, request.token)) {
    return { ok: false, status: 401, message: request.token === undefined ? 'this server needs its access token (Authorization: Bearer <WEFT_TOKEN>)' : 'wrong access token' };
  }
  return { ok: true };
}

export function singleHeader(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
