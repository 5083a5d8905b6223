// Types for kvsocket's public API (docs/spec.md). The same Socket class is exported by the Node entry
// (js/node/index.js), `require('kvsocket')` (js/node/index.cjs, typed by pkg/kvsocket.d.cts, a copy of this file) and the
// browser entry (js/browser/index.js).
//
// They must check under any common `lib` setting (with or without "dom", "esnext.disposable" or
// @types/node; tests/packaging/types.test.js tries each). So the globals that only some settings
// declare (EventTarget, CustomEvent, Blob, Symbol.dispose) are looked up, never named: what is
// missing falls back to a minimal shape instead of failing to compile.

export type StatusName =
  | 'Unconnected' | 'HostLookUp' | 'Connecting' | 'Connected' | 'Bound' | 'Closing' | 'Listening';

export type ErrorCode =
  | 'ConnectionRefused' | 'RemoteHostClosed' | 'HostNotFound' | 'SocketAccess' | 'SocketResource'
  | 'SocketTimeout' | 'DatagramTooLarge' | 'Network' | 'AddressInUse' | 'SocketAddressNotAvailable'
  | 'UnsupportedSocketOperation' | 'ProxyConnectionRefused' | 'ProxyConnectionClosed'
  | 'ProxyConnectionTimeout' | 'ProxyNotFound' | 'ProxyProtocol' | 'UnknownSocket';

export interface SocketOptions {
  /** Browser: proxy URL template (`{host}`, `{port}` replaced), e.g. `ws://127.0.0.1:8081/?host={host}&port={port}`; browser and Node: a Wisp server, `wisp+ws://host:port/path/` (every socket with that URL shares one WebSocket; docs/wisp.md). Node throws TypeError for any other proxy. */
  proxy?: string;
  /** Connect timeout in ms (default 60000). */
  connectTimeout?: number;
  /** 'tcp' (default) or 'udp', any case. */
  protocol?: 'tcp' | 'udp' | string;
}

/** The prototype of global `K` when the `lib` settings declare it, else never. */
type GlobalType<K extends string> = typeof globalThis extends { [P in K]: { prototype: infer T } } ? T : never;
type Or<T, Fallback> = [T] extends [never] ? Fallback : T;

/** `Symbol.dispose` as a key, where the lib declares it (esnext.disposable, @types/node). */
type DisposeMethod = SymbolConstructor extends { readonly dispose: infer K extends symbol }
  ? { [P in K]: () => void }
  : {};

/** EventTarget where the lib declares it (dom, @types/node); the Socket declares its listener methods itself. */
type SocketBase = Or<GlobalType<'EventTarget'>, {}> & DisposeMethod;

/**
 * The DOM event a socket dispatches: a `CustomEvent` whose `detail` holds the event's arguments
 * (where the lib has no CustomEvent, just its `type` and `detail`).
 */
export type SocketEvent<D> = Omit<Or<GlobalType<'CustomEvent'>, { readonly type: string }>, 'detail'> & {
  readonly detail: D;
};

/** Each DOM event type's `detail`. */
export interface SocketEventDetails {
  stateChanged: { status: number; name: StatusName };
  hostFound: Record<string, never>;
  connected: Record<string, never>;
  connectFailed: { reason: string; code: ErrorCode };
  error: { code: ErrorCode; message: string };
  dataAvailable: { length: number };
  disconnected: { error: string };
  incomingConnection: { socket: Socket };
  drain: Record<string, never>;
  listening: { ip: string; port: number };
}

/** The DOM event types and their events: `addEventListener('dataAvailable', e => e.detail.length)`. */
export type SocketEventMap = { [K in keyof SocketEventDetails]: SocketEvent<SocketEventDetails[K]> };

/** What `write` accepts: text (UTF-8), bytes, an Array of bytes/strings/views, or a Blob (where the lib has one). */
export type WriteData =
  | string | ArrayBuffer | ArrayBufferView | GlobalType<'Blob'>
  | Array<number | string | ArrayBuffer | ArrayBufferView>;

type Listener = ((event: any) => unknown) | { handleEvent(event: any): unknown };
type ListenerOptions = boolean | { capture?: boolean; once?: boolean; passive?: boolean; signal?: unknown };

export interface Socket extends SocketBase {
  connect(host: string, port: number | string): boolean;
  listen(port?: number | string, iface?: string, forceIpv6?: boolean): boolean;
  /** Only inside incomingConnectionEvent: keep `socket`, or move its connection to another. Without it the connection is closed when the handler returns. */
  accept(socket: Socket): boolean;
  read(length?: number | string): string;
  readBytes(length?: number | string): Uint8Array;
  readHex(length?: number | string): string;
  bytesAvailable(): number;
  write(data: WriteData, length?: number): number;
  writeHex(hex: string): number;
  close(): void;
  /** Aborts without flushing and frees the engine; `socket[Symbol.dispose]()` does the same. */
  destroy(): void;

  status(): number;
  status(asName: true): StatusName;
  status(asName?: boolean): number | StatusName;
  remoteIp(): string;
  remotePort(): number;
  localIp(): string;
  localPort(): number;
  setProtocol(name: 'tcp' | 'udp' | string): boolean;
  protocol(): 'tcp' | 'udp';
  connectTimeout(): number;
  setConnectTimeout(ms: number): void;
  setHighWaterMark(bytes: number): void;
  bufferedAmount(): number;
  lastError(): string;

  addEventListener<K extends keyof SocketEventMap>(type: K, listener: (this: Socket, event: SocketEventMap[K]) => unknown, options?: ListenerOptions): void;
  addEventListener(type: string, listener: Listener | null, options?: ListenerOptions): void;
  removeEventListener<K extends keyof SocketEventMap>(type: K, listener: (this: Socket, event: SocketEventMap[K]) => unknown, options?: ListenerOptions): void;
  removeEventListener(type: string, listener: Listener | null, options?: ListenerOptions): void;
  /** Shorthand for addEventListener; returns the socket. */
  on<K extends keyof SocketEventMap>(type: K, listener: (this: Socket, event: SocketEventMap[K]) => unknown): this;

  // Overridable event methods (subclass, or assign a function).
  stateChangedEvent(name: StatusName): void;
  hostFoundEvent(): void;
  connectedEvent(): void;
  connectEvent?(): void;
  connectFailedEvent(reason: string): void;
  errorEvent(code: ErrorCode, message: string): void;
  dataAvailableEvent(length: number): void;
  disconnectEvent(error: string): void;
  disconnectedEvent?(error: string): void;
  incomingConnectionEvent(socket: Socket): unknown;
  drainEvent(): void;
  listeningEvent(ip: string, port: number): void;
}

export interface SocketConstructor {
  /** Throws TypeError for options of the wrong type; in Node, for a `proxy` option that is not a Wisp URL. */
  new (options?: SocketOptions | null): Socket;
  readonly prototype: Socket;
  /** Browser: the proxy URL template for sockets made without `options.proxy`. */
  defaultProxy: string;
}

export declare const Socket: SocketConstructor;
export default Socket;
