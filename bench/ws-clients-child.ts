/**
 * WebSocket clients for the event-delivery benchmark, in their own process (so they do not share
 * the server's event loop). `fork(ws-clients-child.ts, [url, count])`; over IPC:
 *   -> {type:'connected'}
 *   <- {type:'subscribe', runId}  -> {type:'subscribed', lastSeqs, at}   each client sent subscribe {runId, after: 0};
 *                                                                   at: when the last one was answered
 *   <- {type:'until', seq}        -> {type:'until'}                   every client has received that seq
 *   <- {type:'collect'}           -> {type:'collect', receipts: [client, seq, ms, type][]}  live events only
 *   <- {type:'close'}
 * Receive times are monotonic milliseconds (process.hrtime), comparable with the server's stamps.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { WebSocket } from 'ws';

function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

interface ClientState {
  socket: WebSocket;
  lastSeq: number | undefined;
  maxSeq: number;
  onSubscribed: ((lastSeq: number) => void) | undefined;
}

/** A message as it arrived: which client, when, and its bytes (parsed after the poll phase). */
type Arrival = [client: number, at: number, data: Buffer];

if (process.send && process.argv[2]) {
  const url = process.argv[2];
  const count = Number(process.argv[3] ?? 1);
  const receipts: Array<[number, number, number, string]> = [];
  let runId = '';
  let untilWaiter: { seq: number; resolve: () => void } | undefined;
  /** Clients whose maxSeq has reached the waiter's seq (counted, not scanned: 100 clients x 100 messages add up). */
  let reached = 0;
  const clients: ClientState[] = [];
  /** Garbage collections of this process: [start, duration] in monotonic ms (for the timeline). */
  const collections: Array<[number, number]> = [];
  new PerformanceObserver((list) => {
    const offset = monotonicMs() - performance.now();
    for (const entry of list.getEntries()) collections.push([offset + entry.startTime, entry.duration]);
  }).observe({ entryTypes: ['gc'] });
  const checkUntil = (): void => {
    if (untilWaiter && reached >= clients.length) {
      const waiter = untilWaiter;
      untilWaiter = undefined;
      waiter.resolve();
    }
  };
  const raiseMaxSeq = (state: ClientState, seq: number): void => {
    const before = state.maxSeq;
    state.maxSeq = Math.max(before, seq);
    if (untilWaiter && before < untilWaiter.seq && state.maxSeq >= untilWaiter.seq) reached++;
  };
  /*
   * The 100 clients stand for 100 browsers on 100 machines but share this one process, so each
   * client's own work delays the receipt of every client after it. A message is stamped the moment
   * ws hands it over ('message'), and its JSON is parsed after the poll phase (setImmediate), so a
   * client's parsing no longer delays the stamps of the clients whose data arrived with it.
   */
  const arrivals: Arrival[] = [];
  const handleArrivals = (): void => {
    for (const [index, at, data] of arrivals.splice(0)) {
      const state = clients[index]!;
      const message = JSON.parse(data.toString()) as { type: string; runId?: string; lastSeq?: number; event?: { runId: string; seq: number; type: string } };
      if (message.type === 'subscribed' && message.runId === runId) {
        state.lastSeq = message.lastSeq ?? 0;
        raiseMaxSeq(state, state.lastSeq);
        state.onSubscribed?.(state.lastSeq);
      } else if (message.type === 'event' && message.event && message.event.runId === runId) {
        const { seq, type } = message.event;
        raiseMaxSeq(state, seq);
        // Replayed events (seq <= lastSeq) measure the replay, not delivery: left out.
        if (state.lastSeq !== undefined && seq > state.lastSeq) receipts.push([index, seq, at, type]);
      }
    }
    checkUntil();
  };
  await Promise.all(
    Array.from(
      { length: count },
      (_, index) =>
        new Promise<void>((resolve, reject) => {
          const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { perMessageDeflate: false });
          const state: ClientState = { socket, lastSeq: undefined, maxSeq: 0, onSubscribed: undefined };
          clients.push(state);
          socket.on('open', () => resolve());
          socket.on('error', reject);
          socket.on('message', (data: Buffer) => {
            if (arrivals.push([index, monotonicMs(), data]) === 1) setImmediate(handleArrivals);
          });
        }),
    ),
  );
  process.on('message', (message: { type: string; runId?: string; seq?: number }) => {
    if (message.type === 'subscribe') {
      runId = message.runId!;
      receipts.length = 0;
      void Promise.all(
        clients.map(
          (client) =>
            new Promise<number>((resolve) => {
              client.lastSeq = undefined;
              client.maxSeq = 0;
              client.onSubscribed = resolve;
              client.socket.send(JSON.stringify({ type: 'subscribe', runId, after: 0 }));
            }),
        ),
      ).then((lastSeqs) => process.send!({ type: 'subscribed', lastSeqs, at: monotonicMs() }));
    } else if (message.type === 'until') {
      untilWaiter = { seq: message.seq!, resolve: () => process.send!({ type: 'until' }) };
      reached = clients.filter((client) => client.maxSeq >= message.seq!).length;
      checkUntil();
    } else if (message.type === 'collect') {
      for (const client of clients) client.socket.send(JSON.stringify({ type: 'unsubscribe', runId }));
      process.send!({ type: 'collect', receipts: receipts.splice(0), collections: collections.splice(0) });
    } else if (message.type === 'close') {
      for (const client of clients) client.socket.terminate();
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'connected' });
}
