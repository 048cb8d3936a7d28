/**
 * The last guard before an event is stored (and from there served by REST, sent over WebSocket and
 * written to the log on disk): every string in it, keys included, is searched for the configured
 * secrets (provider API keys, the access token) and each one found is replaced by `[redacted]`.
 * The model service already redacts replies as they stream (providers/stream-redactor.ts); this
 * catches whatever reaches an event by another road: a code step handed a key, a log line.
 *
 * The walk is iterative, and an event without a secret is returned as is, not copied.
 */
import type { RunEvent } from '../shared/events.ts';
import { loadProviderConfig, type LoadOptions } from './providers/config.ts';

export type EventScrubber = (event: RunEvent) => RunEvent;

/** Secrets shorter than this are not searched for: they would redact ordinary words. */
const MIN_SECRET_LENGTH = 8;
const REDACTED = '[redacted]';

/**
 * The keys of every configured provider (the values of the environment variables weft.config.json
 * names, and OPENAI_API_KEY), plus any other secrets given (the access token).
 */
export function configuredSecrets(options: LoadOptions, extra: ReadonlyArray<string | undefined> = []): string[] {
  const env = options.env ?? process.env;
  const names = new Set(['OPENAI_API_KEY']);
  try {
    const config = loadProviderConfig(options);
    for (const provider of [...config.providers, config.fallback]) if (provider.apiKeyEnv) names.add(provider.apiKeyEnv);
  } catch {
    // An invalid configuration stops the model service from starting; its error is reported there.
  }
  const values = [...[...names].map((name) => env[name]?.trim()), ...extra.map((value) => value?.trim())];
  return [...new Set(values.filter((value): value is string => typeof value === 'string' && value.length >= MIN_SECRET_LENGTH))];
}

function scrubText(text: string, secrets: ReadonlyArray<string>): string {
  let clean = text;
  for (const secret of secrets) if (clean.includes(secret)) clean = clean.split(secret).join(REDACTED);
  return clean;
}

function hasSecret(text: string, secrets: ReadonlyArray<string>): boolean {
  for (let index = 0; index < secrets.length; index++) if (text.includes(secrets[index]!)) return true;
  return false;
}

/**
 * Runs for every event before it is stored, so it allocates nothing per object or array (no
 * `Object.entries`, no spread, no closures): a quarter of the server's allocations per event
 * went to that walk (bench/README.md, "Round four").
 */
function containsSecret(value: unknown, secrets: ReadonlyArray<string>): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') {
      if (hasSecret(item, secrets)) return true;
    } else if (Array.isArray(item)) {
      for (let index = 0; index < item.length; index++) stack.push(item[index]);
    } else if (typeof item === 'object' && item !== null) {
      for (const key in item) {
        if (!Object.hasOwn(item, key)) continue;
        if (hasSecret(key, secrets)) return true;
        stack.push((item as Record<string, unknown>)[key]);
      }
    }
  }
  return false;
}

/** A copy of `value` with every secret replaced; iterative, for values already bounded. */
function scrubbed(value: unknown, secrets: ReadonlyArray<string>): unknown {
  const root: { value: unknown } = { value: undefined };
  const stack: Array<{ from: unknown; into: Record<string | number, unknown>; key: string | number }> = [{ from: value, into: root, key: 'value' }];
  while (stack.length > 0) {
    const { from, into, key } = stack.pop()!;
    if (typeof from === 'string') into[key] = scrubText(from, secrets);
    else if (Array.isArray(from)) {
      const copy: unknown[] = new Array(from.length);
      into[key] = copy;
      from.forEach((child, index) => stack.push({ from: child, into: copy as unknown as Record<number, unknown>, key: index }));
    } else if (typeof from === 'object' && from !== null) {
      const copy: Record<string, unknown> = {};
      into[key] = copy;
      for (const [childKey, child] of Object.entries(from)) {
        const key = scrubText(childKey, secrets);
        copy[key] = undefined; // keeps the key order; filled when the child is popped
        stack.push({ from: child, into: copy, key });
      }
    } else into[key] = from;
  }
  return root.value;
}

/** A log that writes each line with the secrets replaced (the server's own log lines). */
export function scrubLines(log: (line: string) => void, secrets: ReadonlyArray<string>): (line: string) => void {
  return secrets.length === 0 ? log : (line) => log(scrubText(line, secrets));
}

export function createEventScrubber(secrets: ReadonlyArray<string>): EventScrubber {
  if (secrets.length === 0) return (event) => event;
  return (event) => (containsSecret(event, secrets) ? (scrubbed(event, secrets) as RunEvent) : event);
}
