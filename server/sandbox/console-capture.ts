import type { ConsoleLevel, ConsoleLine } from './sandbox-types.ts';

/**
 * Collects console lines up to a byte budget (UTF-8 text plus one byte per line, so a
 * flood of empty lines is bounded too). Past the budget the last line is cut and the
 * rest dropped; the step itself does not fail.
 */
export class ConsoleCapture {
  readonly lines: ConsoleLine[] = [];
  private used = 0;
  private cut = false;

  constructor(private readonly budget: number) {}

  get truncated(): boolean {
    return this.cut;
  }

  /** `cutBySandbox`: the guest already shortened or dropped text to stay in budget. */
  write(level: ConsoleLevel, text: string, cutBySandbox: boolean): void {
    if (this.cut) return;
    const room = this.budget - this.used - 1;
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > room) {
      if (room > 0) this.lines.push({ level, text: cutToBytes(text, room) });
      this.used = this.budget;
      this.cut = true;
      return;
    }
    if (text !== '' || !cutBySandbox) this.lines.push({ level, text });
    this.used += bytes + 1;
    if (cutBySandbox) this.cut = true;
  }
}

/** The longest prefix of `text` whose UTF-8 encoding fits in `maxBytes`, never splitting a character. */
export function cutToBytes(text: string, maxBytes: number): string {
  const encoded = Buffer.from(text, 'utf8');
  if (encoded.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && ((encoded[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return encoded.subarray(0, end).toString('utf8');
}
