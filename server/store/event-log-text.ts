/**
 * A run's event log is JSON lines: one event per line, line n holding seq n. These functions turn
 * the file's text back into events and say precisely what is wrong when it is damaged.
 */
import { runEventSchema, type RunEvent } from '../../shared/events.ts';
import { formatPath } from '../../shared/validate.ts';

export type LogDamage =
  /** The last line has no newline: a write was cut short by a crash. The events before it are whole. */
  | { kind: 'truncated-tail'; line: number; message: string }
  /** A complete line that is not the next event: the file was damaged. */
  | { kind: 'corrupt'; line: number; message: string };

export interface ParsedLog {
  /** The valid prefix. */
  events: RunEvent[];
  /** Bytes of the valid prefix (what the file is cut back to when repaired). */
  validLength: number;
  damage?: LogDamage;
}

/** One line as an event, or why it is not the expected one. */
export function parseEventLine(line: string, runId: string, seq: number): { ok: true; event: RunEvent } | { ok: false; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { ok: false, message: `not valid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  const parsed = runEventSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, message: `not a run event (${formatPath(issue.path) || 'event'}: ${issue.message})` };
  }
  if (parsed.data.runId !== runId) return { ok: false, message: `holds an event of run "${parsed.data.runId}"` };
  if (parsed.data.seq !== seq) return { ok: false, message: `has seq ${parsed.data.seq} where ${seq} belongs` };
  return { ok: true, event: parsed.data };
}

const NEWLINE = 0x0a;

/**
 * Parses a whole log, checking every line. `after` skips the first lines without parsing them
 * (line n holds seq n, which recovery checked when the server started).
 *
 * It works on the file's bytes, not on decoded text: lines are found by their newline byte and
 * each is decoded on its own, so `validLength` is an exact byte offset whatever the damaged or
 * torn parts hold. (Decoding the whole file first turned each invalid UTF-8 byte into a
 * three-byte replacement character, and the repair then cut the file in the wrong place.)
 */
export function parseEventLog(bytes: Uint8Array, runId: string, after = 0): ParsedLog {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const events: RunEvent[] = [];
  let offset = 0;
  let lineNumber = 0;
  while (offset < buffer.length) {
    const end = buffer.indexOf(NEWLINE, offset);
    lineNumber++;
    if (end === -1) {
      return { events, validLength: offset, damage: { kind: 'truncated-tail', line: lineNumber, message: `line ${lineNumber} is cut short (no newline): a write was interrupted` } };
    }
    if (lineNumber > after) {
      const result = parseEventLine(buffer.toString('utf8', offset, end), runId, lineNumber);
      if (!result.ok) return { events, validLength: offset, damage: { kind: 'corrupt', line: lineNumber, message: `line ${lineNumber} ${result.message}` } };
      events.push(result.event);
    }
    offset = end + 1;
  }
  return { events, validLength: offset };
}

export function formatEventLines(events: readonly RunEvent[]): string {
  let text = '';
  for (const event of events) text += `${JSON.stringify(event)}\n`;
  return text;
}
