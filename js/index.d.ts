// Types for kvsocket's public API (docs/spec.md). The same Socket class is exported by the Node entry
// (js/node/index.js), `require('kvsocket')` (js/node/index.cjs, typed by pkg/kvsocket.d.cts, this file plus the Node part of js/node/index.d.ts) and the
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
  | 'ProxyConnectionTimeout' | 'ProxyNotFound' | 'ProxyProtocol' | 'ProxyDenied' | 'UnknownSocket'
  | 'TlsCertificateUnknownIssuer' | 'TlsCertificateNameMismatch' | 'TlsCertificateExpired'
  | 'TlsCertificateNotYetValid' | 'TlsCertificateRevoked' | 'TlsCertificateInvalid'
  | 'TlsProtocolError' | 'TlsHandshakeFailed' | 'TlsError';

/** The `tls` option's object form and startTls()'s options (docs/spec.md, TLS). */
export interface TlsOptions {
  /** Sent as SNI and checked against the certificate; default: the host given to connect(). */
  servername?: string;
  /** PEM certificates trusted beside the bundled web PKI roots. */
  ca?: string | string[];
  /** false: connect whatever the certificate check says (default true). */
  rejectUnauthorized?: boolean;
  /** ALPN protocols offered, most preferred first. */
  alpn?: string[];
}

/** What tlsInfo() returns for a secured connection. */
export interface TlsInfo {
  protocol: 'TLSv1.2' | 'TLSv1.3' | string;
  /** IANA name, e.g. 'TLS_AES_256_GCM_SHA384'. */
  cipher: string;
  alpn: string | null;
  servername: string;
  authorized: boolean;
  authorizationError: ErrorCode | null;
  peerCertificate: {
    subject: Record<string, string>;
    issuer: Record<string, string>;
    /** ISO 8601, UTC. */
    validFrom: string;
    validTo: string;
    /** 'AB:CD:…' (SHA-256 of the DER). */
    fingerprint256: string;
  } | null;
}

export interface SocketOptions {
  /** Browser: proxy URL template (`{host}`, `{port}` replaced), e.g. `ws://127.0.0.1:8081/?host={host}&port={port}`; browser and Node: a Wisp server, `wisp+ws://host:port/path/` (every socket with that URL shares one WebSocket; docs/wisp.md). Node throws TypeError for any other proxy. */
  proxy?: string;
  /** Connect timeout in ms (default 60000). */
  connectTimeout?: number;
  /** idleEvent() after this many ms without a byte either way (0: off, the default). */
  idleTimeout?: number;
  /** 'tcp' (default) or 'udp', any case. */
  protocol?: 'tcp' | 'udp' | string;
  /** TLS: connectedEvent comes after the handshake; a refusal is connectFailedEvent with a Tls* code. */
  tls?: boolean | TlsOptions;
  /** `new Socket({ signal })`: aborting it destroys the socket, whenever that is; pending
   * promises and loops reject with an AbortError (code 'ABORT_ERR', the reason as `cause`).
   * `Socket.connect` / `Socket.listen`: it bounds the connect / the bind only. */
  signal?: Or<GlobalType<'AbortSignal'>, { readonly aborted: boolean }>;
}

/** What `inspect()` returns. */
export interface SocketSnapshot {
  status: StatusName;
  protocol?: 'tcp' | 'udp';
  remoteIp?: string;
  remotePort?: number;
  localIp?: string;
  localPort?: number;
  bytesAvailable?: number;
  bufferedAmount?: number;
  needsDrain?: boolean;
  idleTimeout?: number;
  lastError: string;
  /** Only after destroy(). */
  destroyed?: true;
}

/** A socket failure as an Error; `code` is KVIrc's name (ConnectionRefused, …). */
export class SocketError extends Error {
  code: ErrorCode | string;
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
  /** `fatal`: the failure ended the connection, the attempt or the bind (stateChanged to
   * Unconnected follows); false for one write's (a UDP datagram too large). */
  error: { code: ErrorCode; message: string; fatal: boolean };
  dataAvailable: { length: number };
  disconnected: { error: string };
  incomingConnection: { socket: Socket };
  drain: Record<string, never>;
  idle: Record<string, never>;
  secure: Record<string, never>;
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
  /** Half-close: our FIN after what was written, reading goes on; false + lastError() unless
   * a TCP socket that is connecting or Connected. */
  end(): boolean;
  /** Nagle off (true, the default) or on. Node applies it; a browser's tunnel cannot. */
  setNoDelay(on?: boolean): this;
  /** TCP keep-alive; probes after `delayMs` of quiet (0: the system's delay). */
  setKeepAlive(on?: boolean, delayMs?: number): this;
  /** Node: whether this socket's open connection or listener keeps the process running (as
   * net's ref()/unref(); the default is ref). A browser ignores it. */
  ref(): this;
  unref(): this;
  /** idleEvent() after `ms` without a byte either way while Connected; 0 turns it off. */
  setIdleTimeout(ms: number): void;
  idleTimeout(): number;
  /** For debugging: the engine's snapshot of the socket. */
  inspect(): SocketSnapshot;
  /** STARTTLS on a Connected TCP socket: true when the handshake started (secureEvent when done);
   * false + lastError() otherwise. Throws TypeError for options of the wrong shape. */
  startTls(options?: TlsOptions): boolean;
  /** The secured connection's TLS parameters, else null. */
  tlsInfo(): TlsInfo | null;
  /** Past this many unread bytes the host stops reading (default 4 MiB); in a browser through the
   * tunnel's WebSocketStream and kvsocket-proxy's pause (docs/spec.md, Backpressure, says what
   * stays unbounded elsewhere). */
  setReceiveHighWaterMark(bytes: number): void;
  bufferedAmount(): number;
  /** True after a write took bufferedAmount() over the high-water mark, until drainEvent. */
  needsDrain(): boolean;
  /** A bound UDP socket: one datagram to `ip`:`port` (an IP literal). */
  writeTo(data: WriteData, ip: string, port: number | string): number;
  lastError(): string;
  /** The error name of what lastError() says (UnknownSocket for a refused call, RemoteHostClosed
   * for a write after the connection ended), '' while lastError() is ''. */
  lastErrorCode(): ErrorCode | '';

  addEventListener<K extends keyof SocketEventMap>(type: K, listener: (this: Socket, event: SocketEventMap[K]) => unknown, options?: ListenerOptions): void;
  addEventListener(type: string, listener: Listener | null, options?: ListenerOptions): void;
  removeEventListener<K extends keyof SocketEventMap>(type: K, listener: (this: Socket, event: SocketEventMap[K]) => unknown, options?: ListenerOptions): void;
  removeEventListener(type: string, listener: Listener | null, options?: ListenerOptions): void;
  /** Shorthand for addEventListener; returns the socket. */
  on<K extends keyof SocketEventMap>(type: K, listener: (this: Socket, event: SocketEventMap[K]) => unknown): this;
  once<K extends keyof SocketEventMap>(type: K, listener: (this: Socket, event: SocketEventMap[K]) => unknown): this;
  off<K extends keyof SocketEventMap>(type: K, listener: (this: Socket, event: SocketEventMap[K]) => unknown): this;

  // ----- promises (js/promises.js) -----
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
  /** Nothing was sent or received for idleTimeout() ms (an addition; the connection stays). */
  idleEvent(): void;
  listeningEvent(ip: string, port: number): void;
  /** startTls()'s handshake is done (an addition). */
  secureEvent(): void;
}

export interface SocketConstructor {
  /** Throws TypeError for options that are not an object, unknown options, options of the wrong type or out of range; in Node, for a `proxy` option that is not a Wisp URL. */
  new (options?: SocketOptions | null): Socket;
  readonly prototype: Socket;
  /** Browser: the proxy URL template for sockets made without `options.proxy`. */
  defaultProxy: string;
  /** A new socket, connected; rejects with a SocketError (an AbortError when `options.signal`
   * aborted before the connect completed) and destroys it. The signal bounds the connect only. */
  connect(host: string, port: number | string, options?: SocketOptions): Promise<Socket>;
  /** A new socket, listening (TCP) or bound (UDP) once the bind completed. */
  listen(port?: number | string, iface?: string, options?: SocketOptions & { forceIpv6?: boolean }): Promise<Socket>;
}

export declare const Socket: SocketConstructor;

// ----- the Direct Sockets API (WICG), over the same engine: docs/direct-sockets.md -----

/** Web Streams where the lib declares them (dom, @types/node), else an opaque object. `T`: the
 * chunk type, through the lib's own generic interface (declared below with the lib's type
 * parameter, so that it merges with the lib's declaration and names nothing the lib lacks). */
type WebReadableStream<T> = [GlobalType<'ReadableStream'>] extends [never] ? object : ReadableStream<T>;
type WebWritableStream<T> = [GlobalType<'WritableStream'>] extends [never] ? object : WritableStream<T>;
declare global {
  interface ReadableStream<R = any> {}
  interface WritableStream<W = any> {}
}
type BufferSource = ArrayBuffer | ArrayBufferView;

export interface TCPSocketOptions {
  /** Becomes setHighWaterMark: the writable's backpressure. */
  sendBufferSize?: number;
  /** Becomes setReceiveHighWaterMark: where the network is paused (docs/spec.md, Backpressure). */
  receiveBufferSize?: number;
  noDelay?: boolean;
  /** At least 1000 ms (TypeError otherwise). */
  keepAliveDelay?: number;
  /** Browser: the proxy URL template (else Socket.defaultProxy). */
  proxy?: string;
  /** As Cloudflare's connect(): 'on' handshakes before `opened`; 'starttls' opens plain, then startTls(). */
  secureTransport?: 'off' | 'on' | 'starttls';
  /** The TLS options (as the Socket's `tls` option). */
  tls?: TlsOptions;
}

export interface TCPSocketOpenInfo {
  /** Uint8Array chunks. */
  readable: WebReadableStream<Uint8Array>;
  /** Takes ArrayBuffers and views. */
  writable: WebWritableStream<BufferSource>;
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
}

export class TCPSocket {
  /** Throws TypeError for arguments of the wrong type (a missing or non-string address, a port that is not a number); a bad address or port of the right type rejects `opened`. */
  constructor(remoteAddress: string, remotePort: number, options?: TCPSocketOptions);
  readonly opened: Promise<TCPSocketOpenInfo>;
  readonly closed: Promise<void>;
  close(): Promise<void>;
  /** secureTransport 'starttls': secures the connection; the same streams carry TLS afterwards. */
  startTls(options?: TlsOptions): Promise<void>;
  tlsInfo(): TlsInfo | null;
}

/** A datagram: what the readable gives (with the sender) and the writable takes. */
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
  /** UDPMessage chunks, `data` a Uint8Array. */
  readable: WebReadableStream<UDPMessage & { data: Uint8Array }>;
  /** Takes UDPMessages. */
  writable: WebWritableStream<UDPMessage>;
  remoteAddress?: string;
  remotePort?: number;
  localAddress: string;
  localPort: number;
}

export class UDPSocket {
  /** Throws TypeError unless the options name one mode with addresses of the right types. */
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
  /** Throws TypeError for a missing or non-string address, or options of the wrong type. */
  constructor(localAddress: string, options?: TCPServerSocketOptions);
  /** `readable` gives accepted TCPSockets. */
  readonly opened: Promise<{ readable: WebReadableStream<TCPSocket>; localAddress: string; localPort: number }>;
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

// ----- connect(): Cloudflare's sockets API (WinterCG), over the same engine: docs/connect.md -----

/** connect()'s options. Any other key is a TypeError naming it. */
export interface SocketConnectOptions {
  /** 'off' (the default), 'on' (TLS from the start), 'starttls' (plaintext until startTls()). */
  secureTransport?: 'off' | 'on' | 'starttls';
  /** Only false (the default): the peer's end closes our side too (kvsocket has no half-open
   * sockets; true is a TypeError). */
  allowHalfOpen?: false;
  /** kvsocket's: browser, the proxy URL template (else Socket.defaultProxy); Node, a Wisp URL. */
  proxy?: string;
  /** kvsocket's: the Socket's TLS options, for 'on' and as startTls()'s defaults (a TypeError
   * with secureTransport 'off'). */
  tls?: TlsOptions;
}

/** What `opened` resolves with: 'ip:port' ('[ip]:port' for IPv6). */
export interface SocketInfo {
  remoteAddress: string;
  localAddress: string;
}

/** The socket connect() returns. */
export interface CloudflareSocket {
  /** Uint8Array chunks; ends after the peer's end (or close()). */
  readonly readable: WebReadableStream<Uint8Array>;
  /** Takes ArrayBuffers and views; writes before the connection is open wait for it. Closing
   * it is a half-close (our end after what was written). */
  readonly writable: WebWritableStream<BufferSource>;
  /** Rejects with a SocketError (`code` ConnectionRefused, …) when the connection fails. */
  readonly opened: Promise<SocketInfo>;
  /** Resolves when the connection is over (a clean end or close()); rejects on a failure. */
  readonly closed: Promise<void>;
  readonly upgraded: boolean;
  readonly secureTransport: 'off' | 'on' | 'starttls';
  /** Flushes what was written and closes, locked streams or not; returns `closed`. */
  close(): Promise<void>;
  /** STARTTLS (secureTransport 'starttls', once): a new socket over TLS, `upgraded` true; this
   * one's streams error and its `closed` follows the handshake. */
  startTls(options?: TlsOptions & { expectedServerHostname?: string }): CloudflareSocket;
}

/** Opens a TCP connection: `address` is 'host:port', '[IPv6]:port' or { hostname, port }.
 * Throws TypeError for a malformed address or an unknown or unsupported option. */
export declare function connect(address: string | { hostname: string; port: number }, options?: SocketConnectOptions): CloudflareSocket;

export default Socket;
