// sock.toDuplex(options) / toDuplex(sock, options): kvsocket/net's Socket (js/net/socket.js, a
// node:stream Duplex with net.Socket's surface) over an existing kvsocket Socket, so kvsocket
// plugs into Node code that takes a stream (pipeline, node:http's createConnection, protocol
// clients). The engine's high-water marks pace both ways; docs/net.md has the rest.
//
//   const duplex = toDuplex(sock);              // or sock.toDuplex()
//   await pipeline(fs.createReadStream(f), duplex, process.stdout);

import { Duplex } from 'node:stream';
import { constants } from 'node:os';
import { createNet } from '../net/socket.js';

/** kvsocket/net for the Node entry's Socket class (made by installDuplex): { Socket,
 * createConnection, toDuplex }. js/net/index.js exports it. */
export let nodeNet = null;

/** kvsocket/net's Socket over `socket` (TCP). Destroying it destroys the socket; ending its
 * writable side ends the socket's output (a half-close). `options`: the stream's high-water
 * marks, noDelay, keepAlive, signal (docs/net.md). */
export function toDuplex(socket, options = undefined) {
  return nodeNet.toDuplex(socket, options);
}

/** Adds `socket.toDuplex(options)` to the Node entry's Socket class. */
export function installDuplex(Socket) {
  // errno as net sets it: libuv's negative number for the code (ECONNREFUSED: -111 on Linux).
  const errnoOf = (code) => (constants.errno[code] === undefined ? undefined : -constants.errno[code]);
  nodeNet = createNet({ Duplex, KvSocket: Socket, errnoOf });
  Object.defineProperty(Socket.prototype, 'toDuplex', {
    value: function toDuplexMethod(options) { return toDuplex(this, options); },
    writable: true,
    configurable: true,
  });
}
