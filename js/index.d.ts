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
  bufferedAmount(): number;
  lastError(): string;

  on<K extends keyof SocketEventDetails>(type: K, listener: (event: CustomEvent<SocketEventDetails[K]>) => void): this;

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

export default Socket;
