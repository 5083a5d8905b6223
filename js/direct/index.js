// The Direct Sockets API (WICG: TCPSocket, UDPSocket, TCPServerSocket) over a host's Socket
// class, so the same classes work on Node and, through kvsocket-proxy, in an ordinary browser
// tab. docs/direct-sockets.md says where they differ from the spec.

import { createTCPSocket } from './tcp.js';
import { createUDPSocket } from './udp.js';
import { createTCPServerSocket } from './server.js';

/** { TCPSocket, UDPSocket, TCPServerSocket } for `Socket`. */
export function createDirectSockets(Socket) {
  const TCPSocket = createTCPSocket(Socket);
  const UDPSocket = createUDPSocket(Socket);
  const TCPServerSocket = createTCPServerSocket(Socket, TCPSocket);
  return { TCPSocket, UDPSocket, TCPServerSocket };
}
