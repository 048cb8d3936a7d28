/**
 * Redacts the configured keys from a reply that arrives in pieces (streamed text deltas), where a
 * key may be split across chunks: `sk-weft-TES` + `T-0123...`. Each piece is released only up to a
 * point no key can straddle: the longest tail that a key starts with is held until more text (or
 * the end) arrives, and a whole key that would be cut is held whole.
 *
 * Only the exact keys are replaced, not everything shaped like a key (as redact.ts does for error
 * messages): a reply is the user's data, and "sk-learn" or "Bearer" in it must stay as written.
 */
const REDACTED = '[redacted]';

export class StreamRedactor {
  readonly #secrets: string[];
  #held = '';

  constructor(secrets: ReadonlyArray<string>) {
    this.#secrets = secrets.filter((secret) => secret.length > 0);
  }

  /** Takes the next piece; returns the text safe to release now (possibly empty). */
  push(text: string): string {
    if (this.#secrets.length === 0) return text;
    const buffer = this.#held + text;
    let cut = buffer.length - this.#secretStartAtEnd(buffer);
    for (let moved = true; moved; ) {
      moved = false;
      for (const secret of this.#secrets) {
        const found = buffer.indexOf(secret, Math.max(0, cut - secret.length + 1));
        if (found !== -1 && found < cut) [cut, moved] = [found, true];
      }
    }
    this.#held = buffer.slice(cut);
    return this.#redact(buffer.slice(0, cut));
  }

  /** The end of the stream: releases what was held, redacted. */
  flush(): string {
    const rest = this.#redact(this.#held);
    this.#held = '';
    return rest;
  }

  #redact(text: string): string {
    let clean = text;
    for (const secret of this.#secrets) if (clean.includes(secret)) clean = clean.split(secret).join(REDACTED);
    return clean;
  }

  /** Length of the longest tail of `buffer` that a secret starts with (but does not complete). */
  #secretStartAtEnd(buffer: string): number {
    let longest = 0;
    for (const secret of this.#secrets) {
      for (let length = Math.min(secret.length - 1, buffer.length); length > longest; length--) {
        if (buffer.endsWith(secret.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}
