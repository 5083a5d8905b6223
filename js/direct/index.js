// The Direct Sockets API (WICG: TCPSocket, UDPSocket, TCPServerSocket) over a host's Socket
// class, so the same classes work on Node and, through kvsocket-proxy, in an ordinary browser
// tab. docs/direct-sockets.md says where they differ from the spec.

import { createTCPSocket } from './tcp.js';
import { createUDPSocket } from './udp.js';
import { createTCPServerSocket } from './server.js';

/** { TCPSocket, UDPSocket, TCPServerSocket } for `Socket`; `check` is the engine module's
 * `directCheck(kind, options, address, port)`, which throws the TypeError of a wrong argument. */
export function createDirectSockets(Socket, check) {
  const TCPSocket = createTCPSocket(Socket, check);
  const UDPSocket = createUDPSocket(Socket, check);
  const TCPServerSocket = createTCPServerSocket(Socket, TCPSocket, check);
  return { TCPSocket, UDPSocket, TCPServerSocket };
}
