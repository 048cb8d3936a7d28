/**
 * Server configuration from the environment, parsed with zod. Secrets (OPENAI_API_KEY, WEFT_TOKEN)
 * stay here and in the services; they are never echoed in messages.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_RUN_LIMITS } from './run-limits.ts';
import { MAX_POOL_SIZE } from './sandbox/create-sandbox.ts';
import { parseQueueConfig, type QueueConfig } from './queue/queue-config.ts';

export const DEFAULT_PORT = 4317;
export const DEFAULT_HOST = '127.0.0.1';
export const MIN_TOKEN_LENGTH = 16;
export const DEFAULT_MAX_WS_CONNECTIONS = 500;

export interface ServerConfig extends QueueConfig {
  host: string;
  /** 0 picks a free port. */
  port: number;
  flowsDir: string;
  dataDir: string;
  /** Demanded on REST (Bearer) and WebSocket (`?token=`) when set; required off loopback. */
  token: string | undefined;
  /** Extra names a browser may use in `Host` (e.g. a LAN name when bound to 0.0.0.0). */
  allowedHosts: string[];
  /** Extra origins allowed on state-changing requests and upgrades (the Vite dev server in `npm run dev`). */
  allowedOrigins: string[];
  /** Built client to serve, if any. */
  distDir: string | undefined;
  /** `WEFT_DATABASE_URL`: PostgreSQL instead of files (server/store/open-flows-storage.ts); undefined keeps files. */
  databaseUrl?: string | undefined;
  /** Events one run may write before it is stopped as too large. */
  maxRunEvents: number;
  /** Bytes of events one run may write before it is stopped as too large. */
  maxRunBytes: number;
  /** WebSocket connections open at once, across all clients; more upgrades get 503. */
  maxWebSocketConnections: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const list = z
  .string()
  .optional()
  .transform((value) => (value ?? '').split(',').map((item) => item.trim()).filter((item) => item !== ''));

const positiveInteger = z
  .string()
  .regex(/^[1-9]\d{0,14}$/, 'must be a whole number above 0')
  .transform(Number)
  .optional();

const envSchema = z.object({
  PORT: z
    .string()
    .regex(/^\d{1,5}$/, 'must be a port number from 0 to 65535')
    .transform(Number)
    .refine((port) => port <= 65535, 'must be a port number from 0 to 65535')
    .optional(),
  HOST: z.string().min(1).optional(),
  WEFT_FLOWS_DIR: z.string().min(1).optional(),
  WEFT_DATA_DIR: z.string().min(1).optional(),
  WEFT_TOKEN: z.string().optional(),
  WEFT_ALLOWED_HOSTS: list.pipe(z.array(z.string().regex(/^[a-z0-9.\-[\]:]+$/i, 'must be host names, comma separated'))),
  WEFT_ALLOWED_ORIGINS: list.pipe(z.array(z.string().refine((value) => URL.canParse(value) && new URL(value).origin === value, 'must be origins like http://localhost:5173, comma separated'))),
  WEFT_DIST_DIR: z.string().min(1).optional(),
  // The message never repeats the value: it may hold a password.
  WEFT_DATABASE_URL: z.string().optional().refine((value) => !value || (/^postgres(ql)?:\/\//.test(value) && URL.canParse(value)), 'must be a URL like postgres://user@host:5432/database'),
  WEFT_MAX_RUN_EVENTS: positiveInteger,
  WEFT_MAX_RUN_BYTES: positiveInteger,
  WEFT_WS_MAX_CONNECTIONS: z
    .string()
    .regex(/^\d{1,6}$/, 'must be a whole number from 1 to 100000')
    .transform(Number)
    .refine((count) => count >= 1 && count <= 100_000, 'must be a whole number from 1 to 100000')
    .optional(),
  WEFT_SANDBOX_WORKERS: z
    .string()
    .regex(/^\d{1,2}$/, `must be a whole number from 1 to ${MAX_POOL_SIZE}`)
    .transform(Number)
    .refine((workers) => workers >= 1 && workers <= MAX_POOL_SIZE, `must be a whole number from 1 to ${MAX_POOL_SIZE}`)
    .optional(),
});

/**
 * Code-step sandbox workers from WEFT_SANDBOX_WORKERS, or undefined for the sandbox's default;
 * throws a ConfigError naming the variable and the range for a bad value.
 */
export function sandboxWorkersFrom(env: Record<string, string | undefined>): number | undefined {
  const parsed = envSchema.shape.WEFT_SANDBOX_WORKERS.safeParse(env['WEFT_SANDBOX_WORKERS']);
  if (!parsed.success) throw new ConfigError(`invalid server configuration:\n  WEFT_SANDBOX_WORKERS: ${parsed.error.issues[0]?.message ?? 'invalid'}, got ${JSON.stringify(env['WEFT_SANDBOX_WORKERS'])}`);
  return parsed.data;
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

export function loadServerConfig(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): ServerConfig {
  const parsed = envSchema.safeParse(env);
  const queue = parseQueueConfig(env);
  if (!parsed.success || 'problems' in queue) {
    const lines = [...(parsed.success ? [] : parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`)), ...('problems' in queue ? queue.problems : [])];
    throw new ConfigError(`invalid server configuration:\n  ${lines.join('\n  ')}`);
  }
  const values = parsed.data;
  const host = values.HOST ?? DEFAULT_HOST;
  const token = values.WEFT_TOKEN?.trim() || undefined;
  if (!isLoopbackHost(host) && token === undefined) {
    throw new ConfigError(`HOST=${host} is reachable from other machines: set WEFT_TOKEN (at least ${MIN_TOKEN_LENGTH} characters) so that only people with the token can use this server.`);
  }
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) throw new ConfigError(`WEFT_TOKEN is too short: use at least ${MIN_TOKEN_LENGTH} characters.`);
  return {
    host,
    port: values.PORT ?? DEFAULT_PORT,
    flowsDir: resolve(cwd, values.WEFT_FLOWS_DIR ?? 'flows'),
    dataDir: resolve(cwd, values.WEFT_DATA_DIR ?? 'data'),
    token,
    allowedHosts: values.WEFT_ALLOWED_HOSTS.map((name) => name.toLowerCase()),
    allowedOrigins: values.WEFT_ALLOWED_ORIGINS,
    distDir: values.WEFT_DIST_DIR !== undefined ? resolve(cwd, values.WEFT_DIST_DIR) : undefined,
    databaseUrl: values.WEFT_DATABASE_URL || undefined,
    maxRunEvents: values.WEFT_MAX_RUN_EVENTS ?? DEFAULT_RUN_LIMITS.maxEvents,
    maxRunBytes: values.WEFT_MAX_RUN_BYTES ?? DEFAULT_RUN_LIMITS.maxBytes,
    maxWebSocketConnections: values.WEFT_WS_MAX_CONNECTIONS ?? DEFAULT_MAX_WS_CONNECTIONS,
    ...queue.config,
  };
}
