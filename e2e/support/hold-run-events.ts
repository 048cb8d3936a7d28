import type { Page } from '@playwright/test';

/** A server message the page received, parsed (the `/ws` protocol's JSON). */
export interface SocketMessage {
  type: string;
  runId?: string;
  event?: { type: string; seq: number; nodeId?: string; text?: string; done?: number; failed?: number };
}

export interface HeldRunEvents {
  /** True once `holdAfter` said so: later server messages wait until `release`. */
  holding: () => boolean;
  /** Delivers what was held, in order, and stops holding. */
  release: () => void;
}

/**
 * Routes the page's `/ws` through the test: the server and its events are real, the test only
 * decides when the page receives the rest. Every server message is delivered until `holdAfter`
 * returns true for one (it sees each delivered message once); from then on messages are held
 * until `release`. For moments a fast simulated run would otherwise pass before a check.
 */
export async function holdRunEvents(page: Page, holdAfter: (message: SocketMessage) => boolean): Promise<HeldRunEvents> {
  const state = { held: [] as string[], holding: false, released: false };
  const delivered: Array<(message: string) => void> = [];
  await page.routeWebSocket(/\/ws$/, (socket) => {
    const server = socket.connectToServer();
    socket.onMessage((message) => server.send(message));
    const deliver = (message: string) => socket.send(message);
    delivered.push(deliver);
    server.onMessage((message) => {
      const text = typeof message === 'string' ? message : message.toString('utf8');
      if (state.holding && !state.released) {
        state.held.push(text);
        return;
      }
      deliver(text);
      if (!state.released && holdAfter(JSON.parse(text) as SocketMessage)) state.holding = true;
    });
  });
  return {
    holding: () => state.holding,
    release() {
      state.released = true;
      for (const message of state.held.splice(0)) for (const deliver of delivered) deliver(message);
    },
  };
}
