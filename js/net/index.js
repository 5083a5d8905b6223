// kvsocket/net in Node: the part of node:net that clients use (docs/net.md), over kvsocket's
// Socket. `new Socket()` (connect later), `createConnection` / `connect`, `isIP` / `isIPv4` /
// `isIPv6`, and the error table. sock.toDuplex() returns this module's Socket too.
//
//   import net from 'kvsocket/net';
//   const client = new pg.Client({ stream: () => new net.Socket() });

import { nodeNet } from '../node/duplex.js';
import { Socket as KvSocket } from '../node/index.js'; // installs nodeNet (installDuplex) before the line below reads it
import { isIP, isIPv4, isIPv6 } from './ip.js';
import { NODE_CODES } from './errors.js';
import { SocketError } from '../watch.js';

export const { Socket, createConnection } = nodeNet;
/** net.connect is net.createConnection. */
export const connect = createConnection;
/** node:net's old name for Socket. */
export const Stream = Socket;
export { isIP, isIPv4, isIPv6, NODE_CODES, SocketError };

/** The proxy every Socket made without `options.proxy` goes through (kvsocket's
 * `Socket.defaultProxy`; in Node, a wisp+ws:// URL, or '' to dial directly). */
export function setDefaultProxy(url) {
  if (typeof url !== 'string') throw new TypeError(`setDefaultProxy: the proxy URL must be a string, got ${typeof url}`);
  KvSocket.defaultProxy = url;
}

// `import net from 'kvsocket/net'`, as `import net from 'node:net'`.
export default { Socket, Stream, createConnection, connect, isIP, isIPv4, isIPv6, NODE_CODES, SocketError, setDefaultProxy };
