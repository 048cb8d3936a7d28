import type { ConsoleLevel, ConsoleLine } from './sandbox-types.ts';

/**
 * Collects console lines up to a number of lines and a byte budget (UTF-8 text plus one byte per
 * line, so a flood of empty lines is bounded too). Past either, the line that crosses the byte
 * budget is cut and later lines are dropped, counted in `droppedLines` and `droppedBytes` so the
 * step can say what it lost; the step itself does not fail.
 */
export class ConsoleCapture {
  readonly lines: ConsoleLine[] = [];
  /** Lines left out whole. */
  droppedLines = 0;
  /** UTF-8 bytes of text left out: of dropped lines, and the cut-off end of a cut one. */
  droppedBytes = 0;
  private used = 0;
  private full = false;

  constructor(
    private readonly budget: number,
    private readonly maxLines: number,
  ) {}

  get truncated(): boolean {
    return this.droppedLines > 0 || this.droppedBytes > 0;
  }

  /**
   * A budget ran out here. The sandbox's budgets count UTF-16 units, never more than the bytes
   * counted here, so it can only have left lines out unsent once this is true.
   */
  get exhausted(): boolean {
    return this.full || this.lines.length >= this.maxLines || this.used >= this.budget;
  }

  /**
   * One console line. `cutBySandbox` is the UTF-8 size of the end of the line the sandbox already
   * cut off (it keeps its own count of the budgets, see guest-prelude.ts).
   */
  write(level: ConsoleLevel, text: string, cutBySandbox = 0): void {
    this.droppedBytes += cutBySandbox;
    const bytes = Buffer.byteLength(text, 'utf8');
    if (this.full || this.lines.length >= this.maxLines) {
      this.full = true;
      this.droppedLines += 1;
      this.droppedBytes += bytes;
      return;
    }
    const room = this.budget - this.used - 1;
    if (bytes > room) {
      this.full = true;
      if (room <= 0) {
        this.droppedLines += 1;
        this.droppedBytes += bytes;
        return;
      }
      const kept = cutToBytes(text, room);
      this.lines.push({ level, text: kept });
      this.droppedBytes += bytes - Buffer.byteLength(kept, 'utf8');
      return;
    }
    this.lines.push({ level, text });
    this.used += bytes + 1;
    if (cutBySandbox > 0) this.full = true;
  }

  /** Lines the sandbox left out whole, without sending them. */
  addDropped(lines: number, bytes: number): void {
    this.droppedLines += lines;
    this.droppedBytes += bytes;
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
