// Types for kvsocket's public API (SPEC.md). The same Socket class is exported by the Node entry
// (js/node/index.js) and the browser entry (js/browser/index.js).

export type StatusName =
  | 'Unconnected' | 'HostLookUp' | 'Connecting' | 'Connected' | 'Bound' | 'Closing' | 'Listening';

export type ErrorCode =
  | 'ConnectionRefused' | 'RemoteHostClosed' | 'HostNotFound' | 'SocketAccess' | 'SocketResource'
  | 'SocketTimeout' | 'DatagramTooLarge' | 'Network' | 'AddressInUse' | 'SocketAddressNotAvailable'
  | 'UnsupportedSocketOperation' | 'ProxyConnectionRefused' | 'ProxyConnectionClosed'
  | 'ProxyConnectionTimeout' | 'ProxyNotFound' | 'ProxyProtocol' | 'UnknownSocket';

export interface SocketOptions {
  /** Browser: proxy URL template (`{host}`, `{port}` replaced), e.g. `ws://127.0.0.1:8081/?host={host}&port={port}`. */
  proxy?: string;
  /** Connect timeout in ms (default 60000). */
  connectTimeout?: number;
  /** 'tcp' (default) or 'udp', any case. */
  protocol?: 'tcp' | 'udp' | string;
  /** Aborting it destroys the socket; pending promises and loops reject with its reason. */
  signal?: AbortSignal;
}

/** A socket failure as an Error; `code` is KVIrc's name (ConnectionRefused, …). */
export class SocketError extends Error {
  code: ErrorCode | string;
}

/** What `write` accepts: text (UTF-8), bytes, an Array of bytes/strings/views, or a Blob. */
export type WriteData =
  | string | ArrayBuffer | ArrayBufferView | Blob
  | Array<number | string | ArrayBuffer | ArrayBufferView>;

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

export class Socket extends EventTarget {
  /** Browser: the proxy URL template for sockets made without `options.proxy`. */
  static defaultProxy: string;

  constructor(options?: SocketOptions | null);

  connect(host: string, port: number | string): boolean;
  listen(port?: number | string, iface?: string, forceIpv6?: boolean): boolean;
  /** Only inside incomingConnectionEvent: keep `socket`, or move its connection to another. */
  accept(socket: Socket): boolean;
  read(length?: number | string): string;
  readBytes(length?: number | string): Uint8Array;
  readHex(length?: number | string): string;
  bytesAvailable(): number;
  write(data: WriteData, length?: number): number;
  writeHex(hex: string): number;
  close(): void;
  destroy(): void;
  [Symbol.dispose](): void;

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
  /** Past this many unread bytes the host stops reading (default 4 MiB). */
  setReceiveHighWaterMark(bytes: number): void;
  bufferedAmount(): number;
  /** True after a write took bufferedAmount() over the high-water mark, until drainEvent. */
  needsDrain(): boolean;
  /** A bound UDP socket: one datagram to `ip`:`port` (an IP literal). */
  writeTo(data: WriteData, ip: string, port: number | string): number;
  lastError(): string;

  on<K extends keyof SocketEventDetails>(type: K, listener: (event: CustomEvent<SocketEventDetails[K]>) => void): this;
  once<K extends keyof SocketEventDetails>(type: K, listener: (event: CustomEvent<SocketEventDetails[K]>) => void): this;
  off<K extends keyof SocketEventDetails>(type: K, listener: (event: CustomEvent<SocketEventDetails[K]>) => void): this;

  // ----- promises (js/promises.js) -----
  /** A new socket, connected; rejects with a SocketError (or the signal's reason). */
  static connect<T extends Socket>(this: new (options?: SocketOptions) => T, host: string, port: number | string, options?: SocketOptions): Promise<T>;
  /** A new socket, listening (TCP) or bound (UDP) once the bind completed. */
  static listen<T extends Socket>(this: new (options?: SocketOptions) => T, port?: number | string, iface?: string, options?: SocketOptions & { forceIpv6?: boolean }): Promise<T>;
  /** Resolves with the socket once Connected; rejects when the attempt fails or none is under way. */
  connected(): Promise<this>;
  /** Resolves once listen()'s bind completed. */
  listening(): Promise<{ ip: string; port: number }>;
  /** `for await (const chunk of socket)`: readBytes() chunks (UDP: one datagram each) until the end. */
  [Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined>;

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

// ----- the Direct Sockets API (WICG), over the same engine: docs/direct-sockets.md -----

export interface TCPSocketOptions {
  /** Becomes setHighWaterMark: the writable's backpressure. */
  sendBufferSize?: number;
  /** Becomes setReceiveHighWaterMark: where the network is paused (Node). */
  receiveBufferSize?: number;
  noDelay?: boolean;
  keepAliveDelay?: number;
  /** Browser: the proxy URL template (else Socket.defaultProxy). */
  proxy?: string;
}

export interface TCPSocketOpenInfo {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<BufferSource>;
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
}

export class TCPSocket {
  constructor(remoteAddress: string, remotePort: number, options?: TCPSocketOptions);
  readonly opened: Promise<TCPSocketOpenInfo>;
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

export interface UDPMessage {
  data: BufferSource;
  remoteAddress?: string;
  remotePort?: number;
}

export interface UDPSocketOptions {
  remoteAddress?: string;
  remotePort?: number;
  localAddress?: string;
  localPort?: number;
  sendBufferSize?: number;
  receiveBufferSize?: number;
  proxy?: string;
}

export interface UDPSocketOpenInfo {
  readable: ReadableStream<{ data: Uint8Array; remoteAddress: string; remotePort: number }>;
  writable: WritableStream<UDPMessage>;
  remoteAddress?: string;
  remotePort?: number;
  localAddress: string;
  localPort: number;
}

export class UDPSocket {
  constructor(options: UDPSocketOptions);
  readonly opened: Promise<UDPSocketOpenInfo>;
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

export interface TCPServerSocketOptions {
  localPort?: number;
  backlog?: number;
  ipv6Only?: boolean;
  proxy?: string;
}

export class TCPServerSocket {
  constructor(localAddress: string, options?: TCPServerSocketOptions);
  readonly opened: Promise<{ readable: ReadableStream<TCPSocket>; localAddress: string; localPort: number }>;
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

export default Socket;
