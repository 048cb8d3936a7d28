/**
 * Stored events as ready-made WebSocket frames. An event's `{type:"event"}` message is encoded
 * once, with its frame header, however many clients receive it (live or in a replay), and the
 * frames of one store batch are joined once for every client that takes the whole batch. The hub
 * writes them straight to each client's connection: one write per client per batch.
 *
 * The bytes are exactly what `ws` would send for `socket.send(text)`: one final, unmasked text
 * frame per event (RFC 6455 section 5.2; servers never mask). Writing them beside `ws` is safe
 * because `ws` (without permessage-deflate, and never given a Blob) writes each of its own frames
 * (pings, close, other messages) whole and at once, so frames never interleave.
 *
 * Why not `ws`'s own `send` (one corked header + payload write per event): at a model latency of
 * 300 ms, with 10 clients following every run, the frames save 12 to 15 % of the server's CPU per
 * model step (bench/socket-frames.ts, which compares them with `eventSending: 'ws'`); with one
 * client the two are level. With 100 clients of one run (bench/event-delivery.ts,
 * WEFT_BENCH_WS_SENDING=ws) a store batch reaches every client in about half the time: the hub's
 * publish p50 1.0 to 1.15 ms against 2.1 to 2.5 ms (bench/README.md, "Round four").
 */
import type { RunEvent } from '../../shared/events.ts';
import { encode } from './messages.ts';

const FIN_TEXT = 0x81;

/** The header of a final, unmasked text frame with a payload of `length` bytes. */
export function textFrameHeader(length: number): Buffer {
  if (length < 126) return Buffer.from([FIN_TEXT, length]);
  if (length < 65_536) {
    const header = Buffer.allocUnsafe(4);
    header[0] = FIN_TEXT;
    header[1] = 126;
    header.writeUInt16BE(length, 2);
    return header;
  }
  const header = Buffer.allocUnsafe(10);
  header[0] = FIN_TEXT;
  header[1] = 127;
  header.writeBigUInt64BE(BigInt(length), 2);
  return header;
}

/** A whole text frame holding `text`. */
export function textFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  return Buffer.concat([textFrameHeader(payload.length), payload]);
}

/** How live events leave: ready-made frames (default), or `ws`'s own send (the benchmark's baseline). */
export type EventSending = 'frames' | 'ws';

/** Keyed by the event object: an event nobody holds any more takes its frame with it. */
const frames = new WeakMap<RunEvent, Buffer>();

/** The frame of an event's `{type:"event", event}` message, encoded on first use. */
export function eventFrame(event: RunEvent): Buffer {
  let frame = frames.get(event);
  if (frame === undefined) {
    frame = textFrame(encode({ type: 'event', event }));
    frames.set(event, frame);
  }
  return frame;
}

/** An event's `{type:"event", event}` message without its frame header, for `ws`'s own send. */
export function eventPayload(event: RunEvent): Buffer {
  const frame = eventFrame(event);
  // The second byte holds the length itself, or 126 / 127 for a 2- / 8-byte length after it.
  return frame.subarray(frame[1] === 126 ? 4 : frame[1] === 127 ? 10 : 2);
}

/** One store batch for the hub: its events, and all their frames joined (built on first use). */
export class FrameBatch {
  readonly events: readonly RunEvent[];
  #joined: Buffer | undefined;

  constructor(events: readonly RunEvent[]) {
    this.events = events;
  }

  /** Every event's frame, in order, as one buffer. */
  joined(): Buffer {
    return (this.#joined ??= this.events.length === 1 ? eventFrame(this.events[0]!) : Buffer.concat(this.events.map(eventFrame)));
  }
}
