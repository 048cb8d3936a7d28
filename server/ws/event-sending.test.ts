/** Both ways of sending live events carry the same messages: ready-made frames and `ws`'s own send. */
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../shared/events.ts';
import { echoFlow } from '../testing/fixture-flows.ts';
import { startTestServer } from '../testing/test-server.ts';
import { connectSocket } from '../testing/ws-client.ts';
import { eventFrame, eventPayload } from './event-frames.ts';
import { encode } from './messages.ts';

function logEvent(seq: number, text: string): RunEvent {
  return { runId: 'run-1', seq, at: new Date(0).toISOString(), type: 'step.log', nodeId: 'work', level: 'info', text };
}

describe('event sending', () => {
  it('eventPayload is the frame without its header, for every header size', () => {
    for (const size of [0, 60, 126, 200, 65_000, 70_000]) {
      const event = logEvent(1, 'x'.repeat(size));
      const text = encode({ type: 'event', event });
      expect(eventPayload(event).toString('utf8')).toBe(text);
      expect(eventFrame(event).length - eventPayload(event).length).toBe(Buffer.byteLength(text) < 126 ? 2 : Buffer.byteLength(text) < 65_536 ? 4 : 10);
    }
  });

  for (const sending of ['frames', 'ws'] as const) {
    it(`${sending}: a client following every run gets each event once, in order`, async () => {
      const test = await startTestServer({ wsEventSending: sending });
      const client = await connectSocket(test.wsUrl);
      try {
        client.send({ type: 'subscribe', runId: '*' });
        await client.next((message) => message.type === 'subscribed');
        const { runId } = (await test.api.post('/api/runs', { flow: echoFlow(), inputs: { text: 'hi' } })).body as { runId: string };
        await client.next((message) => message.type === 'event' && message.event.type === 'run.succeeded');
        const seqs = client.messages.filter((message) => message.type === 'event' && message.event.runId === runId).map((message) => message.event.seq);
        expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, index) => index + 1));
        expect(seqs.length).toBeGreaterThan(3);
      } finally {
        await client.close();
        await test.close();
      }
    });
  }
});
