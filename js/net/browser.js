// kvsocket/net in a page (package.json's `browser` condition of ./net): the same Socket as in
// Node (js/net/socket.js) over the browser entry's Socket, with the stream classes of the
// `readable-stream` package (Node's own streams, published for browsers) in place of node:stream,
// so that clients written for node:net (pg, mqtt, ioredis) run over a WebSocket proxy unmodified.
// A bundler aliases `net` to this module (docs/net.md shows Vite, esbuild and webpack).
//
//   import net from 'kvsocket/net';
//   net.setDefaultProxy('ws://127.0.0.1:8081/?host={host}&port={port}');   // or a wisp+ws:// URL
//   const client = new pg.Client({ host: '127.0.0.1', port: 5432, stream: () => new net.Socket() });

import { Duplex } from 'readable-stream';
import { Socket as KvSocket } from '../browser/index.js';
import { createNet } from './socket.js';
import { isIP, isIPv4, isIPv6 } from './ip.js';
import { NODE_CODES } from './errors.js';
import { SocketError } from '../watch.js';

// No errno in a page: there is no platform table to take it from.
export const { Socket, createConnection } = createNet({ Duplex, KvSocket });
/** net.connect is net.createConnection. */
export const connect = createConnection;
/** node:net's old name for Socket. */
export const Stream = Socket;

/** The proxy every Socket made without `options.proxy` goes through: kvsocket's
 * `Socket.defaultProxy` (a kvsocket-proxy template, a websockify URL or a wisp+ws:// URL). */
export function setDefaultProxy(url) {
  if (typeof url !== 'string') throw new TypeError(`setDefaultProxy: the proxy URL must be a string, got ${typeof url}`);
  KvSocket.defaultProxy = url;
}

export { isIP, isIPv4, isIPv6, NODE_CODES, SocketError };

// `import net from 'kvsocket/net'`, as `import net from 'node:net'` (and what an alias of `net`
// hands to a client's require('net')).
export default { Socket, Stream, createConnection, connect, isIP, isIPv4, isIPv6, NODE_CODES, SocketError, setDefaultProxy };
