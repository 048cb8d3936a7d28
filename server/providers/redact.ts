/**
 * Scrubs secrets from text that leaves the provider layer (error messages). Providers echo keys
 * back surprisingly often: OpenAI's 401 names a masked key, proxies echo headers. We remove the
 * exact key we sent and anything shaped like a key or a bearer token.
 */
const KEY_SHAPED = /\b(sk|rk|pk)-[A-Za-z0-9_*-]{4,}/g;
const BEARER = /\b(Bearer)\s+[^\s"',;]+/gi;

export type Redactor = (text: string) => string;

export function createRedactor(secrets: ReadonlyArray<string | undefined>): Redactor {
  const exact = secrets.filter((secret): secret is string => typeof secret === 'string' && secret.length >= 4);
  return (text) => {
    let clean = text;
    for (const secret of exact) clean = clean.split(secret).join('[redacted]');
    return clean.replace(KEY_SHAPED, '[redacted]').replace(BEARER, '$1 [redacted]');
  };
}
