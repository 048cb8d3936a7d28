/**
 * The hub over real WebSocket connections, with a fake event source so a test controls exactly
 * when stored events are read and when live ones arrive.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runEventSchema, type RunEvent } from '../../shared/events.ts';
import { createAccessPolicy, type AccessPolicy } from '../security.ts';
import { connectSocket, type TestSocket } from '../testing/ws-client.ts';
import { textFrame } from './event-frames.ts';
import type { EventSource } from './hub-client.ts';
import { WebSocketHub } from './hub.ts';

function logEvent(runId: string, seq: number, text = `line ${seq}`): RunEvent {
  return { runId, seq, at: new Date(0).toISOString(), type: 'step.log', nodeId: 'work', level: 'info', text };
}

/** A source whose reads wait until the test releases them. */
class ControlledSource implements EventSource {
  stored = new Map<string, RunEvent[]>();
  #gate: Promise<void> = Promise.resolve();
  #release: () => void = () => undefined;
  reads = 0;
  /** true: a read sees the log as it was when it began; false: as it is when it ends. */
  snapshotEarly = true;

  hold(snapshotEarly: boolean): void {
    this.snapshotEarly = snapshotEarly;
    this.#gate = new Promise((resolve) => (this.#release = resolve));
  }

  release(): void {
    this.#release();
  }

  exists(runId: string): boolean {
    return this.stored.has(runId);
  }

  async events(runId: string, after: number): Promise<RunEvent[] | undefined> {
    this.reads++;
    const early = this.stored.get(runId)?.filter((event) => event.seq > after);
    await this.#gate;
    return this.snapshotEarly ? early : this.stored.get(runId)?.filter((event) => event.seq > after);
  }

  /** Stores and publishes, as the run manager does. */
  add(hub: WebSocketHub, events: RunEvent[]): void {
    for (const event of events) {
      const list = this.stored.get(event.runId) ?? [];
      list.push(event);
      this.stored.set(event.runId, list);
    }
    hub.publish(events);
  }
}

let server: Server;
let hub: WebSocketHub;
let source: ControlledSource;
let url: string;
let policy: AccessPolicy;
/** The rate limits' clock: it stands still unless a test moves it, so token counts do not depend on load. */
let clock = 0;
const sockets: TestSocket[] = [];

async function connect(options?: Parameters<typeof connectSocket>[1]): Promise<TestSocket> {
  const socket = await connectSocket(url, options);
  sockets.push(socket);
  return socket;
}

function eventSeqs(socket: TestSocket, runId: string): number[] {
  return socket.messages.filter((message) => message.type === 'event' && message.event.runId === runId).map((message) => message.event.seq);
}

beforeAll(async () => {
  source = new ControlledSource();
  hub = new WebSocketHub({ source, policy: () => policy, heartbeatMs: 200, maxPayloadBytes: 1024, limits: { maxQueueBytes: 64 * 1024, maxHeldEvents: 50 }, now: () => clock });
  server = createServer((_request, response) => response.end());
  server.on('upgrade', (request, socket, head) => hub.handleUpgrade(request, socket, head));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  policy = createAccessPolicy({ host: '127.0.0.1', port, token: undefined });
  url = `ws://127.0.0.1:${port}/ws`;
});
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((socket) => socket.close()));
});
afterAll(async () => {
  await hub.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Stops reading a client's socket, as a client too slow to keep up would; returns it to resume. */
function stopReading(client: { socket: unknown }): import('node:net').Socket {
  const raw = (client.socket as { _socket: import('node:net').Socket })._socket;
  raw.pause();
  return raw;
}

/**
 * Adds 900-byte events to `runId` in batches of `perBatch` until the hub closes one client, and
 * checks it did so long before the 40 MB it would otherwise have queued. Returns the last seq.
 */
async function floodUntilOneCloses(runId: string, perBatch: number, yieldBetween: boolean): Promise<number> {
  const big = 'z'.repeat(900);
  const before = hub.openClientCount;
  let seq = 0;
  while (seq < 40_000 && hub.openClientCount === before) {
    source.add(hub, Array.from({ length: perBatch }, () => logEvent(runId, ++seq, big)));
    if (yieldBetween && seq % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  expect(hub.openClientCount).toBe(before - 1);
  expect(seq).toBeLessThan(40_000);
  return seq;
}

describe('WebSocket hub: replay then live', () => {
  it('replays stored events after `after`, then streams live ones', async () => {
    source.add(hub, [1, 2, 3, 4].map((seq) => logEvent('run-a', seq)));
    const socket = await connect();
    socket.send({ type: 'subscribe', runId: 'run-a', after: 2 });
    expect(await socket.next((message) => message.type === 'subscribed')).toEqual({ type: 'subscribed', runId: 'run-a', lastSeq: 4 });
    source.add(hub, [logEvent('run-a', 5)]);
    await socket.next((message) => message.type === 'event' && message.event.seq === 5);
    expect(eventSeqs(socket, 'run-a')).toEqual([3, 4, 5]);
  });

  it('has no gap and no duplicate when live events arrive during the replay', async () => {
    source.add(hub, [1, 2, 3].map((seq) => logEvent('run-b', seq)));
    const socket = await connect();
    source.hold(true);
    socket.send({ type: 'subscribe', runId: 'run-b', after: 0 });
    await expectEventually(() => source.reads > 0);
    // Stored while the replay read is in flight: 4 and 5 are live (held), the read sees only 1-3.
    source.add(hub, [logEvent('run-b', 4), logEvent('run-b', 5)]);
    source.release();
    await socket.next((message) => message.type === 'subscribed');
    source.add(hub, [logEvent('run-b', 6)]);
    await socket.next((message) => message.type === 'event' && message.event.seq === 6);
    expect(eventSeqs(socket, 'run-b')).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('dedupes when the replay read already holds events that were also published live', async () => {
    source.add(hub, [1, 2].map((seq) => logEvent('run-c', seq)));
    const socket = await connect();
    source.hold(false);
    socket.send({ type: 'subscribe', runId: 'run-c', after: 0 });
    await expectEventually(() => source.reads > 0);
    // Stored and published while the read runs: the read returns 3 and so does the live path.
    source.add(hub, [logEvent('run-c', 3)]);
    source.release();
    expect(await socket.next((message) => message.type === 'subscribed')).toMatchObject({ lastSeq: 3 });
    source.add(hub, [logEvent('run-c', 4)]);
    await socket.next((message) => message.type === 'event' && message.event.seq === 4);
    expect(eventSeqs(socket, 'run-c')).toEqual([1, 2, 3, 4]);
  });

  it('streams every run\'s live events with "*", without doubling runs also subscribed one by one', async () => {
    source.add(hub, [logEvent('run-d', 1)]);
    const socket = await connect();
    socket.send({ type: 'subscribe', runId: '*' });
    await socket.next((message) => message.type === 'subscribed' && message.runId === '*');
    socket.send({ type: 'subscribe', runId: 'run-d', after: 0 });
    await socket.next((message) => message.type === 'subscribed' && message.runId === 'run-d');
    source.add(hub, [logEvent('run-d', 2), logEvent('run-e', 1)]);
    await socket.next((message) => message.type === 'event' && message.event.runId === 'run-e');
    expect(eventSeqs(socket, 'run-d')).toEqual([1, 2]);
    socket.send({ type: 'unsubscribe', runId: '*' });
    await socket.next((message) => message.type === 'unsubscribed');
    source.add(hub, [logEvent('run-e', 2), logEvent('run-d', 3)]);
    await socket.next((message) => message.type === 'event' && message.event.runId === 'run-d' && message.event.seq === 3);
    expect(eventSeqs(socket, 'run-e')).toEqual([1]);
  });

  it('refuses replay for "*" and subscriptions to unknown runs, keeping the connection', async () => {
    const socket = await connect();
    socket.send({ type: 'subscribe', runId: '*', after: 5 });
    expect((await socket.next()).message).toMatch(/replay .* works per run/);
    socket.send({ type: 'subscribe', runId: 'run-unknown', after: 0 });
    expect(await socket.next()).toMatchObject({ type: 'error', runId: 'run-unknown', message: 'there is no run "run-unknown"' });
    socket.send({ type: 'ping' });
    expect(await socket.next()).toEqual({ type: 'pong' });
  });
});

describe('WebSocket hub: one encoding, one write per batch', () => {
  it('gives each of many clients every event of a run exactly once, in order, as text frames of the contract', async () => {
    source.add(hub, [1, 2].map((seq) => logEvent('run-many', seq)));
    const clients = await Promise.all(Array.from({ length: 40 }, () => connect()));
    const binaryFrames: number[] = [];
    for (const [index, client] of clients.entries()) client.socket.on('message', (_data, isBinary) => isBinary && binaryFrames.push(index));
    for (const client of clients) client.send({ type: 'subscribe', runId: 'run-many', after: 0 });
    await Promise.all(clients.map((client) => client.next((message) => message.type === 'subscribed')));
    // Batches as the store hands them over: several events of the run, and events of another run.
    let seq = 2;
    for (let batch = 0; batch < 30; batch++) {
      const events = Array.from({ length: 1 + (batch % 4) }, () => logEvent('run-many', ++seq, `event ${seq} ${'é'.repeat(batch * 5)}`));
      source.add(hub, batch % 3 === 0 ? [logEvent('run-other', batch + 1), ...events] : events);
    }
    const expected = Array.from({ length: seq }, (_, index) => index + 1);
    for (const client of clients) {
      await client.next((message) => message.type === 'event' && message.event.seq === seq);
      expect(eventSeqs(client, 'run-many')).toEqual(expected);
      expect(eventSeqs(client, 'run-other')).toEqual([]);
      for (const message of client.messages) {
        if (message.type !== 'event') continue;
        expect(Object.keys(message)).toEqual(['type', 'event']);
        expect(runEventSchema.safeParse(message.event).success).toBe(true);
      }
    }
    expect(binaryFrames).toEqual([]);
    const stored = source.stored.get('run-many')!;
    expect(clients[7]!.messages.filter((message) => message.type === 'event').map((message) => message.event)).toEqual(stored);
  });

  it('frames events of any size as ws does (7-bit, 16-bit and 64-bit lengths)', async () => {
    const socket = await connect();
    socket.send({ type: 'subscribe', runId: '*' });
    await socket.next((message) => message.type === 'subscribed');
    const sizes = [0, 60, 126, 200, 65_000, 70_000];
    source.add(hub, sizes.map((size, index) => logEvent('run-sizes', index + 1, 'x'.repeat(size))));
    await socket.next((message) => message.type === 'event' && message.event.seq === sizes.length);
    expect(socket.messages.filter((message) => message.type === 'event').map((message) => message.event.text.length)).toEqual(sizes);
    for (const length of [0, 125, 126, 65_535, 65_536, 70_000]) {
      const frame = textFrame('y'.repeat(length));
      const header = frame.length - length;
      expect(header).toBe(length < 126 ? 2 : length < 65_536 ? 4 : 10);
    }
  });

  it('closes a slow client at its queue cap while the others get every event', async () => {
    const slow = await connect();
    const others = await Promise.all(Array.from({ length: 5 }, () => connect()));
    for (const client of [slow, ...others]) {
      client.send({ type: 'subscribe', runId: '*' });
      await client.next((message) => message.type === 'subscribed');
    }
    const raw = stopReading(slow);
    // Let the fast clients drain between batches, as real ones would.
    let seq = await floodUntilOneCloses('run-cap', 2, true);
    source.add(hub, [logEvent('run-cap', ++seq, 'z'.repeat(900))]);
    for (const client of others) {
      await client.next((message) => message.type === 'event' && message.event.seq === seq, 20_000);
      expect(eventSeqs(client, 'run-cap')).toEqual(Array.from({ length: seq }, (_, index) => index + 1));
    }
    raw.resume();
    expect([1013, 1006]).toContain((await slow.closed(10_000)).code);
  }, 30_000);
});

describe('WebSocket hub: bad messages and limits', () => {
  it('answers bad messages with a clear error and keeps the connection', async () => {
    const socket = await connect();
    const cases: Array<[unknown, RegExp]> = [
      ['not json', /not valid JSON/],
      [{ type: 'subscribe' }, /runId/],
      [{ type: 'subscribe', runId: '../etc', after: 0 }, /runId: must be a run id/],
      [{ type: 'subscribe', runId: 'run-a', after: -1 }, /after/],
      [{ type: 'subscribe', runId: 'run-a', after: 0, extra: true }, /unknown key "extra"/],
      [{ type: 'launch-missiles' }, /type/],
      [[1, 2], /message/],
    ];
    for (const [message, pattern] of cases) {
      socket.send(message);
      const answer = await socket.next();
      expect(answer.type).toBe('error');
      expect(answer.message).toMatch(pattern);
    }
    socket.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await socket.next()).message).toMatch(/not binary/);
    socket.send({ type: 'ping' });
    expect(await socket.next()).toEqual({ type: 'pong' });
  });

  it('closes a connection that sends a message over maxPayload (1009)', async () => {
    const socket = await connect();
    socket.send({ type: 'ping', padding: 'x'.repeat(2048) });
    expect((await socket.closed()).code).toBe(1009);
  });

  it('refuses upgrades with a foreign Origin or Host, or on another path', async () => {
    await expect(connectSocket(url, { headers: { origin: 'http://evil.example' } })).rejects.toMatchObject({ status: 403 });
    await expect(connectSocket(url, { headers: { host: 'evil.example' } })).rejects.toMatchObject({ status: 403 });
    await expect(connectSocket(url.replace('/ws', '/other'))).rejects.toMatchObject({ status: 404 });
    const sameOrigin = await connect({ headers: { origin: url.replace('ws:', 'http:').replace('/ws', '') } });
    sameOrigin.send({ type: 'ping' });
    expect(await sameOrigin.next()).toEqual({ type: 'pong' });
  });

  it('drops a client that stops answering pings', async () => {
    const { WebSocket } = await import('ws');
    const silent = new WebSocket(url, { autoPong: false });
    await new Promise((resolve) => silent.once('open', resolve));
    const code = await new Promise<number>((resolve) => silent.once('close', (closeCode) => resolve(closeCode)));
    expect(code).toBe(1006); // terminated, no close frame
  });

  it('closes a client too slow to read (1013); it recovers by reconnecting with its last seq', async () => {
    const socket = await connect();
    socket.send({ type: 'subscribe', runId: '*' });
    await socket.next((message) => message.type === 'subscribed');
    const raw = stopReading(socket);
    let seq = await floodUntilOneCloses('run-slow', 1, false);
    for (let more = 0; more < 10; more++) source.add(hub, [logEvent('run-slow', ++seq, 'x'.repeat(900))]);
    raw.resume();
    const closed = await socket.closed(10_000);
    expect([1013, 1006]).toContain(closed.code);
    const seen = eventSeqs(socket, 'run-slow');
    const last = seen.at(-1) ?? 0;
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, index) => index + 1));
    // Reconnect and replay from the last seq seen: the rest, exactly.
    const again = await connect();
    again.send({ type: 'subscribe', runId: 'run-slow', after: last });
    const done = await again.next((message) => message.type === 'subscribed', 20_000);
    const total = source.stored.get('run-slow')!.length;
    expect(done.lastSeq).toBe(total);
    expect(eventSeqs(again, 'run-slow')).toEqual(Array.from({ length: total - last }, (_, index) => last + index + 1));
  }, 30_000);
});

describe('WebSocket hub: message rate limits', () => {
  it('answers subscribes past the burst with an error instead of reading the log, and closes a client that keeps flooding (1008)', async () => {
    source.add(hub, [1, 2, 3].map((seq) => logEvent('run-flood', seq)));
    const socket = await connect();
    const readsBefore = source.reads;
    for (let index = 0; index < 200; index++) socket.send({ type: 'subscribe', runId: 'run-flood', after: 0 });
    expect((await socket.closed()).code).toBe(1008);
    // The default burst is 20 subscribes, and the clock stands still, so none refill; 20 errors
    // are tolerated, and the next message over the limit closes the connection.
    expect(source.reads - readsBefore).toBe(20);
    const refused = socket.messages.filter((message) => message.type === 'error');
    expect(refused.length).toBe(20);
    expect(refused[0]).toEqual({ type: 'error', runId: 'run-flood', message: 'too many subscribes: at most 20 at once and 10 a second after that; this one was not handled, send it again later' });
    // The hub forgets the client; others are served as before.
    await expectEventually(() => hub.clientCount === sockets.length - 1);
    const other = await connect();
    other.send({ type: 'subscribe', runId: 'run-flood', after: 2 });
    expect(await other.next()).toMatchObject({ type: 'event', event: { seq: 3 } });
  });

  it('keeps a client that went over the limit once, and serves it again once the bucket refills', async () => {
    const runIds = Array.from({ length: 25 }, (_, index) => `run-burst-${index}`);
    for (const runId of runIds) source.add(hub, [logEvent(runId, 1)]);
    const socket = await connect();
    for (const runId of runIds) socket.send({ type: 'subscribe', runId, after: 0 });
    for (let index = 0; index < 25; index++) await socket.next((message) => message.type === 'subscribed' || message.type === 'error');
    const subscribed = socket.messages.filter((message) => message.type === 'subscribed').length;
    const refused = socket.messages.filter((message) => message.type === 'error' && /too many subscribes/.test(message.message)).length;
    expect(subscribed + refused).toBe(25);
    expect(refused).toBe(5);
    clock += 300; // three subscribes refill
    socket.send({ type: 'subscribe', runId: 'run-burst-24', after: 0 });
    expect(await socket.next((message) => message.type === 'subscribed')).toEqual({ type: 'subscribed', runId: 'run-burst-24', lastSeq: 1 });
    socket.send({ type: 'ping' });
    expect(await socket.next()).toEqual({ type: 'pong' });
  });

  it('limits every kind of message, not only subscribes', async () => {
    const socket = await connect();
    for (let index = 0; index < 400; index++) socket.send({ type: 'ping' });
    expect((await socket.closed()).code).toBe(1008);
    const pongs = socket.messages.filter((message) => message.type === 'pong').length;
    expect(pongs).toBe(100);
    expect(socket.messages.find((message) => message.type === 'error')?.message).toMatch(/^too many messages: at most 100 at once and 50 a second after that/);
  });
});

/**
 * Waits until `check` holds, looking again every few milliseconds. No count of tries of its own:
 * 200 tries were about a second, which a loaded machine can spend before the hub reads or lets a
 * client go; the test's timeout bounds the wait.
 */
async function expectEventually(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
}
