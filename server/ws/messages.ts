/** Server messages are built only as the shared `ServerMessage` (shared/wire/socket-messages.ts). */
import type { ServerMessage } from '../../shared/wire/socket-messages.ts';

export function encode(message: ServerMessage): string {
  return JSON.stringify(message);
}
