// Types of the Node entry: everything of js/index.d.ts, plus the node:stream Duplex
// (js/node/duplex.js), which only Node has. The package's `exports` sends Node's type lookups here
// for `import`; `require` gets pkg/kvsocket.d.cts, which scripts/cts-types.js writes from
// js/index.d.ts and the part of this file below the line "Node only", so the two cannot drift.
/// <reference types="node" />
import type { Socket, SocketError, ErrorCode } from '../index.js';

export * from '../index.js';
export { default } from '../index.js';

declare module '../index.js' {
  interface Socket extends NodeSocket {}
}

// ---- Node only (copied as it is into pkg/kvsocket.d.cts) ----
import type { Duplex } from 'node:stream';

/** The constructor options of kvsocket/net's Socket (docs/net.md, Options). Any other option is a
 * TypeError naming it. */
export interface NetSocketOptions {
  /** Only false (net's default): kvsocket ends the connection when the peer half-closes. */
  allowHalfOpen?: false;
  /** Aborting it destroys the socket with an AbortError (code 'ABORT_ERR'). */
  signal?: AbortSignal;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  highWaterMark?: number;
  readableHighWaterMark?: number;
  writableHighWaterMark?: number;
  /** kvsocket's: a Wisp server URL (docs/wisp.md). */
  proxy?: string;
  /** kvsocket's: the connect timeout in ms (default 60000); ETIMEDOUT when it passes. */
  connectTimeout?: number;
}

/** The options of connect(options) (createConnection takes these and the constructor's). */
export interface NetConnectOptions {
  port: number | string;
  /** Default 'localhost'. */
  host?: string;
  /** Accepted as net takes it; the engine's lookup picks the address. */
  family?: 0 | 4 | 6 | null;
  /** setTimeout(timeout). */
  timeout?: number;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  /** Not supported: only undefined or null. */
  localAddress?: null;
  localPort?: null;
}

/** An error of kvsocket/net: Node's `code` (ECONNREFUSED, ECONNRESET, ENOTFOUND, ETIMEDOUT, EPIPE,
 * ERR_SOCKET_CLOSED, …) and KVIrc's name beside it. */
export interface NetError extends SocketError {
  code: string;
  kvircCode: ErrorCode | string;
  syscall?: string;
  /** Node: libuv's negative errno for `code`, where it has one. */
  errno?: number;
  address?: string;
  port?: number;
  /** The name that did not resolve (ENOTFOUND). */
  hostname?: string;
}

/** Node's AbortError: an abort of a signal. */
export interface AbortError extends Error {
  name: 'AbortError';
  code: 'ABORT_ERR';
  cause?: unknown;
}

/** kvsocket/net's Socket: net.Socket's client surface, a stream.Duplex over a kvsocket Socket. */
export interface NetSocket extends Duplex {
  connect(options: NetConnectOptions, connectionListener?: () => void): this;
  connect(port: number | string, host?: string, connectionListener?: () => void): this;
  connect(port: number | string, connectionListener?: () => void): this;
  /** Nagle off (true, kvsocket's default) or on. */
  setNoDelay(noDelay?: boolean): this;
  setKeepAlive(enable?: boolean, initialDelay?: number): this;
  /** 'timeout' after `timeout` ms without a byte either way while connected; 0: off. */
  setTimeout(timeout: number, callback?: () => void): this;
  ref(): this;
  unref(): this;
  destroySoon(): void;
  address(): { address: string; family: string; port: number } | Record<string, never>;
  /** The kvsocket Socket under the stream. */
  readonly socket: Socket;
  readonly connecting: boolean;
  readonly pending: boolean;
  readonly readyState: 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed';
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly remoteFamily: 'IPv4' | 'IPv6' | undefined;
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
  readonly localFamily: 'IPv4' | 'IPv6' | undefined;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  /** The idle timeout in ms, undefined when off. */
  readonly timeout: number | undefined;

  on(event: 'connect' | 'ready' | 'end' | 'drain' | 'timeout', listener: () => void): this;
  on(event: 'close', listener: (hadError: boolean) => void): this;
  on(event: 'error', listener: (err: NetError | AbortError) => void): this;
  on(event: 'data', listener: (data: Buffer) => void): this;
  on(event: 'lookup', listener: (err: Error | null, address: string, family: number, host: string) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'connect' | 'ready' | 'end' | 'drain' | 'timeout', listener: () => void): this;
  once(event: 'close', listener: (hadError: boolean) => void): this;
  once(event: 'error', listener: (err: NetError | AbortError) => void): this;
  once(event: 'data', listener: (data: Buffer) => void): this;
  once(event: 'lookup', listener: (err: Error | null, address: string, family: number, host: string) => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
}

/** What toDuplex takes: the constructor's options but kvsocket's (the socket exists). */
export type ToDuplexOptions = Omit<NetSocketOptions, 'proxy' | 'connectTimeout'>;

/** sock.toDuplex(): kvsocket/net's Socket over a kvsocket Socket (the name it had before
 * kvsocket/net). */
export type SocketDuplex = NetSocket;

/** What the Node entry adds to every Socket. */
export interface NodeSocket {
  /** kvsocket/net's Socket over this socket (toDuplex(this, options)). */
  toDuplex(options?: ToDuplexOptions): NetSocket;
}

/** kvsocket/net's Socket over `socket`, with the engine's backpressure both ways. */
export function toDuplex(socket: Socket, options?: ToDuplexOptions): NetSocket;
