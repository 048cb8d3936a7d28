import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../shared/events.ts';
import { backoffDelay, RunSocket, type SocketLike } from './run-socket.ts';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.readyState = 3;
    this.onclose?.({});
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  deliver(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

function delta(seq: number, runId = 'run-1'): RunEvent {
  return { type: 'step.delta', runId, seq, at: '2025-01-01T00:00:00.000Z', nodeId: 'classify', text: `t${seq}` };
}

function setup() {
  const sockets: FakeSocket[] = [];
  const timers: Array<() => void> = [];
  const events: RunEvent[] = [];
  const problems: string[] = [];
  const client = new RunSocket({
    url: 'ws://test/ws',
    createSocket: () => {
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket;
    },
    onEvent: (event) => events.push(event),
    onProblem: (message) => problems.push(message),
    setTimer: (callback) => timers.push(callback),
    clearTimer: () => undefined,
  });
  return { client, sockets, timers, events, problems };
}

describe('run socket', () => {
  it('subscribes once open and delivers parsed events', () => {
    const { client, sockets, events } = setup();
    client.subscribe('run-1', 0);
    expect(sockets[0]!.sent).toEqual([]);
    sockets[0]!.open();
    expect(sockets[0]!.sent).toEqual([{ type: 'subscribe', runId: 'run-1', after: 0 }]);
    sockets[0]!.deliver({ type: 'event', event: delta(1) });
    expect(events.map((event) => event.seq)).toEqual([1]);
  });

  it('reconnects after a drop and resubscribes after the last seq, dropping repeats', () => {
    const { client, sockets, timers, events } = setup();
    client.subscribe('run-1', 0);
    sockets[0]!.open();
    sockets[0]!.deliver({ type: 'event', event: delta(1) });
    sockets[0]!.deliver({ type: 'event', event: delta(2) });
    sockets[0]!.close();
    expect(timers).toHaveLength(1);
    timers[0]!();
    sockets[1]!.open();
    expect(sockets[1]!.sent).toEqual([{ type: 'subscribe', runId: 'run-1', after: 2 }]);
    sockets[1]!.deliver({ type: 'event', event: delta(2) });
    sockets[1]!.deliver({ type: 'event', event: delta(3) });
    expect(events.map((event) => event.seq)).toEqual([1, 2, 3]);
    expect(client.lastSeq('run-1')).toBe(3);
  });

  it('drops a followed run’s events that "*" delivers ahead of its replay, and takes them in order from the replay', () => {
    const { client, sockets, timers, events } = setup();
    client.subscribe('*');
    client.subscribe('run-1', 0);
    sockets[0]!.open();
    sockets[0]!.deliver({ type: 'event', event: delta(1) });
    sockets[0]!.close();
    timers[0]!();
    sockets[1]!.open();
    // The followed run is resubscribed before "*", so its replay starts first.
    expect(sockets[1]!.sent).toEqual([
      { type: 'subscribe', runId: 'run-1', after: 1 },
      { type: 'subscribe', runId: '*' },
    ]);
    // A live event of the run arrives through "*" before the replay of 2..4.
    sockets[1]!.deliver({ type: 'event', event: delta(5) });
    for (const seq of [2, 3, 4, 5, 6]) sockets[1]!.deliver({ type: 'event', event: delta(seq) });
    expect(events.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('sends a refused subscribe again later, while the run is still followed', () => {
    const { client, sockets, timers, problems } = setup();
    sockets[0]!.open();
    client.subscribe('run-1', 3);
    sockets[0]!.deliver({ type: 'error', runId: 'run-1', message: 'too many subscribes' });
    expect(problems).toEqual(['too many subscribes']);
    expect(timers).toHaveLength(1);
    timers[0]!();
    expect(sockets[0]!.sent).toEqual([
      { type: 'subscribe', runId: 'run-1', after: 3 },
      { type: 'subscribe', runId: 'run-1', after: 3 },
    ]);
    client.subscribe('run-2', 0);
    sockets[0]!.deliver({ type: 'error', runId: 'run-2', message: 'too many subscribes' });
    client.unsubscribe('run-2');
    timers[1]!();
    const aboutRun2 = sockets[0]!.sent.filter((message) => (message as { runId: string }).runId === 'run-2');
    expect(aboutRun2).toEqual([{ type: 'subscribe', runId: 'run-2', after: 0 }, { type: 'unsubscribe', runId: 'run-2' }]);
  });

  it('refuses messages that do not parse and ignores runs it does not follow', () => {
    const { client, sockets, events, problems } = setup();
    client.subscribe('run-1');
    sockets[0]!.open();
    sockets[0]!.onmessage?.({ data: 'not json' });
    sockets[0]!.deliver({ type: 'event', event: { ...delta(1), seq: -4 } });
    sockets[0]!.deliver({ type: 'event', event: delta(1, 'other-run') });
    expect(events).toEqual([]);
    expect(problems).toHaveLength(2);
  });

  it('backs off exponentially up to a cap', () => {
    const half = () => 0.5;
    expect(backoffDelay(0, 500, 8000, half)).toBe(375);
    expect(backoffDelay(3, 500, 8000, half)).toBe(3000);
    expect(backoffDelay(10, 500, 8000, half)).toBe(6000);
  });
});
