/** The global cap on WebSocket connections, over a real server: the one past the cap gets 503. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_MAX_WS_CONNECTIONS, loadServerConfig } from '../config.ts';
import { eventually, startTestServer, type TestServer } from '../testing/test-server.ts';
import { connectSocket, type TestSocket } from '../testing/ws-client.ts';

let test: TestServer;
beforeAll(async () => {
  test = await startTestServer({ config: { maxWebSocketConnections: 3 } });
});
afterAll(() => test.close());

describe('WebSocket connection cap', () => {
  it('refuses the upgrade past the cap with 503 and accepts again once a connection closes', async () => {
    const open: TestSocket[] = [];
    try {
      for (let index = 0; index < 3; index++) open.push(await connectSocket(test.wsUrl));
      await expect(connectSocket(test.wsUrl)).rejects.toMatchObject({ status: 503 });
      // The ones inside the cap still work.
      open[0]!.send({ type: 'ping' });
      expect(await open[0]!.next()).toEqual({ type: 'pong' });
      await open.pop()!.close();
      await eventually(() => test.server.hub.clientCount === 2 || undefined, 5_000, 'the closed connection to leave the hub');
      open.push(await connectSocket(test.wsUrl));
      expect(test.server.hub.clientCount).toBe(3);
    } finally {
      await Promise.all(open.map((socket) => socket.close()));
    }
  });

  it('reads the cap from WEFT_WS_MAX_CONNECTIONS, with a default', () => {
    expect(loadServerConfig({}).maxWebSocketConnections).toBe(DEFAULT_MAX_WS_CONNECTIONS);
    expect(loadServerConfig({ WEFT_WS_MAX_CONNECTIONS: '7' }).maxWebSocketConnections).toBe(7);
    expect(() => loadServerConfig({ WEFT_WS_MAX_CONNECTIONS: '0' })).toThrow(ConfigError);
    expect(() => loadServerConfig({ WEFT_WS_MAX_CONNECTIONS: 'many' })).toThrow(/WEFT_WS_MAX_CONNECTIONS: must be a whole number/);
  });
});
