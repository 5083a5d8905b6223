// Types of the Node entry: everything of js/index.d.ts, plus the node:stream Duplex
// (js/node/duplex.js), which only Node has. The package's `exports` sends Node's type lookups here.
/// <reference types="node" />
import type { Duplex, DuplexOptions } from 'node:stream';
import type { Socket } from '../index.js';

export * from '../index.js';
export { default } from '../index.js';

/** A stream.Duplex over a Socket, with the engine's backpressure both ways. */
export type SocketDuplex = Duplex & { readonly socket: Socket };

declare module '../index.js' {
  interface Socket {
    /** A stream.Duplex over this socket (toDuplex(this, options)). */
    toDuplex(options?: DuplexOptions): SocketDuplex;
  }
}

/** A stream.Duplex over `socket`, with the engine's backpressure both ways. */
export function toDuplex(socket: Socket, options?: DuplexOptions): SocketDuplex;
