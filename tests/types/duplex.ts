// Type-checked with @types/node and Node's module resolution: the node:stream Duplex of the
// Node entry (js/node/index.d.ts).
import { Socket, toDuplex, type SocketDuplex } from 'kvsocket';

async function duplex(): Promise<void> {
  const sock = await Socket.connect('127.0.0.1', 7000);
  const d: SocketDuplex = toDuplex(sock, { readableHighWaterMark: 1024 });
  d.pipe(sock.toDuplex());
  const same: Socket = d.socket;
  void same;
}
void duplex;
