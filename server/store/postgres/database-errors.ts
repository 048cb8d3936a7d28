/**
 * What went wrong with the database, in words a person can act on. The target (host, port and
 * database name) is named; the password never is: only the parsed host, port and name are kept.
 */

/** `host:port/database` of a connection string, with no user or password. */
export function describeDatabaseTarget(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    const host = url.searchParams.get('host') ?? (url.hostname || 'localhost');
    const port = url.searchParams.get('port') ?? (url.port || '5432');
    const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || '(default database)';
    return `${host}:${port}/${database}`;
  } catch {
    return '(an unparsable WEFT_DATABASE_URL)';
  }
}

/** At start: the database cannot be reached or refuses us; the server does not start. */
export class DatabaseUnreachableError extends Error {
  constructor(target: string, reason: string) {
    super(`cannot use the database at ${target}: ${reason}. Check that PostgreSQL is running and that WEFT_DATABASE_URL is right.`);
    this.name = 'DatabaseUnreachableError';
  }
}

/** While serving: the database went away; answered with 503, and service resumes once it is back. */
export class DatabaseUnavailableError extends Error {
  constructor(target: string, reason: string) {
    super(`the database at ${target} is unavailable (${reason}); try again shortly`);
    this.name = 'DatabaseUnavailableError';
  }
}

/** Socket errors from node-postgres and the server's own "cannot serve now" SQLSTATEs. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', '57P01', '57P02', '57P03', '53300']);
const CONNECTION_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection closed/i;

/** True when the error says the database is out of reach (not that a query was wrong). */
export function isConnectionError(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  if (error instanceof AggregateError) return error.errors.some(isConnectionError);
  return typeof message === 'string' && CONNECTION_MESSAGES.test(message);
}

/** A short reason: the error's code and message, which never carry the password. */
export function reasonOf(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' && message !== '' ? message : error instanceof AggregateError ? error.errors.map(reasonOf).join('; ') : String(error);
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}
