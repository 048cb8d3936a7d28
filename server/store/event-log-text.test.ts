/** Reading a log from its bytes: offsets are exact whatever the damaged or torn parts hold. */
import { describe, expect, it } from 'vitest';
import { triageRunEvents } from '../../shared/testing/run-events.ts';
import { formatEventLines, parseEventLog } from './event-log-text.ts';

const INVALID_UTF8 = Buffer.from([0xff, 0xfe, 0xc3, 0xff]);

/** The log's text as bytes, with the first occurrence of `marker` replaced by `bytes`. */
function withBytes(text: string, marker: string, bytes: Buffer): Buffer {
  const at = text.indexOf(marker);
  const whole = Buffer.from(text, 'utf8');
  const offset = Buffer.byteLength(text.slice(0, at), 'utf8');
  return Buffer.concat([whole.subarray(0, offset), bytes, whole.subarray(offset + Buffer.byteLength(marker))]);
}

describe('parseEventLog on bytes', () => {
  it('keeps every whole line after invalid UTF-8 in an early line and cuts the torn tail at its exact byte', () => {
    const events = triageRunEvents().slice(0, 6);
    const text = formatEventLines(events);
    // Four invalid bytes inside the run's input text in line 1 (each decodes to a three-byte U+FFFD).
    const whole = withBytes(text, 'invoice', INVALID_UTF8);
    const torn = Buffer.from(JSON.stringify({ ...events[0], seq: 7 }).slice(0, 25), 'utf8');
    const parsed = parseEventLog(Buffer.concat([whole, torn]), events[0]!.runId);
    expect(parsed.damage?.kind).toBe('truncated-tail');
    expect(parsed.events.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(parsed.validLength).toBe(whole.length);
  });

  it('cuts a damaged middle line at its first byte', () => {
    const events = triageRunEvents().slice(0, 4);
    const good = Buffer.from(formatEventLines(events.slice(0, 2)), 'utf8');
    const damaged = Buffer.concat([good, INVALID_UTF8, Buffer.from('\n'), Buffer.from(formatEventLines(events.slice(3)), 'utf8')]);
    const parsed = parseEventLog(damaged, events[0]!.runId);
    expect(parsed.damage).toMatchObject({ kind: 'corrupt', line: 3 });
    expect(parsed.validLength).toBe(good.length);
    expect(parsed.events).toHaveLength(2);
  });
});
