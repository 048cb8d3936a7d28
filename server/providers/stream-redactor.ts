/**
 * Redacts secrets from a reply that arrives in pieces (streamed text deltas), where a key may be
 * split across chunks: `sk-weft-TES` + `T-0123...`. Each piece is released only up to a point no
 * secret can straddle; the rest is held until more text (or the end) arrives.
 *
 * Held back: the longest tail that is the start of a configured secret, the trailing word (a
 * key-shaped token or bearer token in the making), and a trailing `Bearer <token>`. The released
 * text then goes through the same `Redactor` as error messages (see redact.ts); what is held stays
 * as it came, so a token completed by the next piece is redacted whole.
 */
import type { Redactor } from './redact.ts';

/** A word longer than this is released even unfinished (text without spaces, such as base64). */
const MAX_HELD_WORD = 256;
const SPACE = /\s/;

export class StreamRedactor {
  readonly #secrets: string[];
  readonly #redact: Redactor;
  #held = '';

  constructor(secrets: ReadonlyArray<string>, redact: Redactor) {
    this.#secrets = secrets.filter((secret) => secret.length > 0);
    this.#redact = redact;
  }

  /** Takes the next piece; returns the text safe to release now (possibly empty). */
  push(text: string): string {
    const buffer = this.#held + text;
    let cut = buffer.length - Math.max(this.#secretStartAtEnd(buffer), this.#tokenAtEnd(buffer));
    // A whole secret that the cut would split is held whole.
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

  /** Length of the trailing word, with a `Bearer` before it; scanned by hand, so a long buffer costs one pass. */
  #tokenAtEnd(buffer: string): number {
    let start = buffer.length;
    while (start > 0 && !SPACE.test(buffer[start - 1]!) && buffer.length - start <= MAX_HELD_WORD) start--;
    if (buffer.length - start > MAX_HELD_WORD) return 0;
    let before = start;
    while (before > 0 && SPACE.test(buffer[before - 1]!) && start - before < MAX_HELD_WORD) before--;
    const bearer = before - 'bearer'.length;
    if (before < start && bearer >= 0 && buffer.slice(bearer, before).toLowerCase() === 'bearer' && (bearer === 0 || !/\w/.test(buffer[bearer - 1]!))) {
      return buffer.length - bearer;
    }
    return buffer.length - start;
  }
}
