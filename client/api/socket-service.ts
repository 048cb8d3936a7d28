/** The page's one WebSocket, shared by the run being watched and the approvals inbox. */
import { create } from 'zustand';
import type { RunEvent } from '../../shared/events.ts';
import { RunSocket, socketUrl, type SocketStatus } from './run-socket.ts';

type Listener = (event: RunEvent) => void;

const listeners = new Set<Listener>();
let socket: RunSocket | undefined;

export const useSocketStatus = create<{ status: SocketStatus; problem: string | null }>()(() => ({ status: 'connecting', problem: null }));

export function runSocket(): RunSocket {
  socket ??= new RunSocket({
    url: socketUrl(),
    onEvent: (event) => {
      for (const listener of listeners) listener(event);
    },
    onStatus: (status) => useSocketStatus.setState({ status }),
    onProblem: (problem) => {
      console.warn(`weft: ${problem}`);
      useSocketStatus.setState({ problem });
    },
  });
  return socket;
}

export function onRunEvent(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
