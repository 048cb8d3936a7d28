/** Shutting down: prompt, with clients connected, and the data directory released. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE_NAME } from './store/data-lock.ts';
import { reviewFlow } from './testing/fixture-flows.ts';
import { runStatus, startTestServer } from './testing/test-server.ts';
import { connectSocket } from './testing/ws-client.ts';

describe('startServer().close()', () => {
  it('closes promptly with a WebSocket client and a waiting run, releases the lock, and the run survives', async () => {
    const test = await startTestServer();
    try {
      const { runId } = (await test.api.post('/api/runs', { flow: reviewFlow(), inputs: { text: 'x' } })).body;
      expect((await runStatus(test, runId, 'waiting', 'succeeded', 'failed', 'cancelled')).status).toBe('waiting');
      const socket = await connectSocket(test.wsUrl);
      socket.send({ type: 'subscribe', runId, after: 0 });
      await socket.next((message) => message.type === 'subscribed');
      // Prompt means it does not wait for the client or the waiting run: were it to, the test's own timeout ends it.
      await test.stop();
      expect((await socket.closed()).code).toBe(1001);
      expect(existsSync(join(test.dirs.dataDir, LOCK_FILE_NAME))).toBe(false);

      const again = await startTestServer({ dirs: test.dirs });
      expect((await again.api.get(`/api/runs/${runId}`)).body.status).toBe('waiting');
      await again.stop();
    } finally {
      test.dirs.remove();
    }
  });
});
