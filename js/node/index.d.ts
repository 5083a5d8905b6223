// Types of the Node entry: everything of js/index.d.ts, plus the node:stream Duplex
// (js/node/duplex.js), which only Node has. The package's `exports` sends Node's type lookups here
// for `import`; `require` gets pkg/kvsocket.d.cts, which scripts/cts-types.js writes from
// js/index.d.ts and the part of this file below the line "Node only", so the two cannot drift.
/// <reference types="node" />
import type { Socket } from '../index.js';

export * from '../index.js';
export { default } from '../index.js';

declare module '../index.js' {
  interface Socket extends NodeSocket {}
}

// ---- Node only (copied as it is into pkg/kvsocket.d.cts) ----
import type { Duplex, DuplexOptions } from 'node:stream';

/** A stream.Duplex over a Socket, with the engine's backpressure both ways. */
export type SocketDuplex = Duplex & { readonly socket: Socket };

/** What the Node entry adds to every Socket. */
export interface NodeSocket {
  /** A stream.Duplex over this socket (toDuplex(this, options)). */
  toDuplex(options?: DuplexOptions): SocketDuplex;
}

/** A stream.Duplex over `socket`, with the engine's backpressure both ways. */
export function toDuplex(socket: Socket, options?: DuplexOptions): SocketDuplex;
