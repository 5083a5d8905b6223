// Types of kvsocket/tls (js/net/tls.js): node:tls's connect() and TLSSocket as clients use them,
// over kvsocket/net's Socket (docs/net.md, kvsocket/tls).
/// <reference types="node" />
import type { NetSocket, NetSocketOptions } from '../node/index.js';
import type { ErrorCode } from '../index.js';

/** What tls.connect takes; any other option is a TypeError naming it. */
export interface TlsConnectOptions extends NetSocketOptions {
  port?: number | string;
  /** Default 'localhost'. With `socket`: the name checked when `servername` is not given. */
  host?: string;
  /** The name sent (SNI) and checked; default the host connected to. */
  servername?: string;
  /** PEM certificates trusted beside the bundled roots. */
  ca?: string | Uint8Array | Array<string | Uint8Array>;
  /** Default true; false connects whatever the certificate check says (see `authorized`). */
  rejectUnauthorized?: boolean;
  /** The protocols offered by ALPN. */
  ALPNProtocols?: Array<string | Uint8Array>;
  /** A connected (or connecting) kvsocket/net Socket to upgrade (STARTTLS); only with host, port and the TLS options. */
  socket?: NetSocket;
  timeout?: number;
  family?: 0 | 4 | 6;
}

/** A kvsocket/net Socket secured by TLS. */
export interface TLSSocket extends NetSocket {
  readonly encrypted: true;
  /** Whether the peer's certificate was verified. */
  readonly authorized: boolean;
  /** node:tls's code of why the certificate was not verified (NODE_CODES), or null. */
  readonly authorizationError: string | null;
  /** The protocol ALPN settled on, false for none, null before the handshake. */
  readonly alpnProtocol: string | false | null;
  /** The name sent (SNI) and checked, once secured. */
  readonly servername: string | undefined;
  /** 'TLSv1.2' | 'TLSv1.3', null before the handshake. */
  getProtocol(): string | null;
  getCipher(): { name: string; standardName: string; version: string } | null;
  /** {} before the handshake. valid_from / valid_to are ISO 8601 (UTC). */
  getPeerCertificate(): {
    subject?: Record<string, string>;
    issuer?: Record<string, string>;
    valid_from?: string;
    valid_to?: string;
    fingerprint256?: string;
  };
  isSessionReused(): false;
  on(event: 'secureConnect', listener: () => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'secureConnect', listener: () => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
}

export interface TLSSocketConstructor {
  readonly prototype: TLSSocket;
}
export declare const TLSSocket: TLSSocketConstructor;

/** A new TLS connection, or (with `socket`) the upgrade of a connected kvsocket/net Socket.
 * `secureListener` runs on 'secureConnect'. Certificate failures: 'error' with node:tls's code
 * and KVIrc's name as `kvircCode`. */
export declare function connect(options: TlsConnectOptions, secureListener?: () => void): TLSSocket;
export declare function connect(port: number | string, host?: string, options?: TlsConnectOptions, secureListener?: () => void): TLSSocket;
export declare function connect(port: number | string, options?: TlsConnectOptions, secureListener?: () => void): TLSSocket;

/** KVIrc's error name → Node's code (docs/net.md); the TLS names give node:tls's codes. */
export declare const NODE_CODES: Readonly<Record<ErrorCode, string>>;

declare const tls: {
  TLSSocket: TLSSocketConstructor;
  connect: typeof connect;
  NODE_CODES: typeof NODE_CODES;
};
export default tls;
