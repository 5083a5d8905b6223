// Types of kvsocket/net (js/net/index.js): the node:net surface clients use, over kvsocket. The
// Socket's own declarations are in js/node/index.d.ts (NetSocket), shared with toDuplex().
/// <reference types="node" />
import type { NetSocket, NetSocketOptions, NetConnectOptions } from '../node/index.js';
import type { ErrorCode, SocketError } from '../index.js';

export type { NetSocket, NetSocketOptions, NetConnectOptions, NetError, AbortError, ToDuplexOptions } from '../node/index.js';
export { SocketError } from '../index.js';

export interface NetSocketConstructor {
  /** Throws TypeError for an option it does not take (docs/net.md). */
  new (options?: NetSocketOptions): NetSocket;
  readonly prototype: NetSocket;
}

export declare const Socket: NetSocketConstructor;
export type Socket = NetSocket;
/** node:net's old name for Socket. */
export declare const Stream: NetSocketConstructor;
export type Stream = NetSocket;

/** A new Socket connecting: (options[, listener]) with the constructor's and connect's options,
 * or (port[, host][, listener]). */
export declare function createConnection(options: NetSocketOptions & NetConnectOptions, connectionListener?: () => void): NetSocket;
export declare function createConnection(port: number | string, host?: string, connectionListener?: () => void): NetSocket;
export declare function createConnection(port: number | string, connectionListener?: () => void): NetSocket;
export declare const connect: typeof createConnection;

/** 4, 6 or 0, as node:net's. */
export declare function isIP(input: unknown): 0 | 4 | 6;
export declare function isIPv4(input: unknown): boolean;
export declare function isIPv6(input: unknown): boolean;

/** The proxy every Socket made without `options.proxy` goes through: kvsocket's
 * `Socket.defaultProxy` (in a page a kvsocket-proxy template, a websockify URL or a wisp+ws://
 * URL; in Node a wisp+ws:// URL, or '' to dial directly). TypeError for a non-string. */
export declare function setDefaultProxy(url: string): void;

/** KVIrc's error name → Node's code (docs/net.md). */
export declare const NODE_CODES: Readonly<Record<ErrorCode, string>>;

declare const net: {
  Socket: NetSocketConstructor;
  Stream: NetSocketConstructor;
  createConnection: typeof createConnection;
  connect: typeof createConnection;
  isIP: typeof isIP;
  isIPv4: typeof isIPv4;
  isIPv6: typeof isIPv6;
  NODE_CODES: typeof NODE_CODES;
  SocketError: typeof SocketError;
  setDefaultProxy: typeof setDefaultProxy;
};
export default net;
