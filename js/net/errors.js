// kvsocket/net's errors: Node's `code` (what Node libraries test: err.code === 'ECONNREFUSED')
// beside KVIrc's error name (`kvircCode`, what the engine reports). The table below is the one
// place where a KVIrc name becomes a Node code (docs/net.md lists it); the engine's own mapping
// the other way (a host's errno name to a KVIrc name) stays in src/engine/error.rs.

import { SocketError } from '../watch.js';

export { abortError } from '../watch.js';

/** KVIrc's error name → the Node (libuv) code a net.Socket would report for the same failure. */
export const NODE_CODES = Object.freeze({
  ConnectionRefused: 'ECONNREFUSED',
  RemoteHostClosed: 'ECONNRESET',
  HostNotFound: 'ENOTFOUND',
  SocketAccess: 'EACCES',
  SocketResource: 'EMFILE',
  SocketTimeout: 'ETIMEDOUT',
  DatagramTooLarge: 'EMSGSIZE',
  Network: 'ENETUNREACH',
  AddressInUse: 'EADDRINUSE',
  SocketAddressNotAvailable: 'EADDRNOTAVAIL',
  UnsupportedSocketOperation: 'EOPNOTSUPP',
  // Through a proxy (a page, or Wisp in Node): what a client would see had it dialled itself.
  ProxyConnectionRefused: 'ECONNREFUSED',
  ProxyConnectionClosed: 'ECONNRESET',
  ProxyConnectionTimeout: 'ETIMEDOUT',
  ProxyNotFound: 'ENOTFOUND',
  ProxyProtocol: 'EPROTO',
  ProxyDenied: 'EACCES', // the proxy's rules: permission, as a firewall's refusal would read
  UnknownSocket: 'UNKNOWN', // libuv's name for an error it cannot classify
  // TLS (kvsocket/tls): the codes node:tls gives for the same certificate or handshake fault
  // (OpenSSL's verify names, and Node's own for a name that does not match).
  TlsCertificateUnknownIssuer: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  TlsCertificateNameMismatch: 'ERR_TLS_CERT_ALTNAME_INVALID',
  TlsCertificateExpired: 'CERT_HAS_EXPIRED',
  TlsCertificateNotYetValid: 'CERT_NOT_YET_VALID',
  TlsCertificateRevoked: 'CERT_REVOKED',
  TlsCertificateInvalid: 'CERT_REJECTED',
  TlsProtocolError: 'EPROTO', // the peer does not speak TLS: OpenSSL's "wrong version number"
  TlsHandshakeFailed: 'EPROTO',
  TlsError: 'EPROTO',
});

/**
 * A kvsocket/net error: a SocketError (so `instanceof SocketError` and `name` stay as the rest of
 * kvsocket's) whose `code` is Node's and `kvircCode` KVIrc's name. `syscall`, `address` and
 * `port` as Node sets them where they apply.
 */
export function netError(message, code, kvircCode, extra = undefined) {
  const err = new SocketError(message, code);
  err.kvircCode = kvircCode;
  if (extra) Object.assign(err, extra);
  return err;
}

/** The error of a connection that failed (`failure`: the Watcher's SocketError, KVIrc's code),
 * in Node's words: `connect ECONNREFUSED 127.0.0.1:5432` before the connection was up, `read
 * ECONNRESET` after, `getaddrinfo ENOTFOUND name` for a name that did not resolve. The
 * engine's message follows in parentheses. */
export function fromFailure(failure, { connected, address, port }) {
  const kvircCode = failure.code;
  const code = NODE_CODES[kvircCode] ?? 'UNKNOWN';
  // A name that did not resolve: net's `getaddrinfo ENOTFOUND name`, with `hostname`.
  if (code === 'ENOTFOUND' && !connected) {
    return netError(`getaddrinfo ENOTFOUND ${address} (${kvircCode}: ${failure.message})`, code, kvircCode, {
      syscall: 'getaddrinfo', hostname: address,
    });
  }
  // A refused certificate or a failed handshake: node:tls's error has no syscall, its message
  // says what failed.
  if (kvircCode.startsWith('Tls')) {
    return netError(`${code}: ${failure.message} (${kvircCode})`, code, kvircCode);
  }
  const syscall = connected ? 'read' : 'connect';
  const where = address ? ` ${address}${port ? `:${port}` : ''}` : '';
  return netError(`${syscall} ${code}${where} (${kvircCode}: ${failure.message})`, code, kvircCode, {
    syscall, ...(address ? { address } : {}), ...(port ? { port } : {}),
  });
}

/** A write the connection can no longer take (it ended, or was never started): Node's EPIPE /
 * ERR_SOCKET_CLOSED. */
export const writeAfterEnd = (detail) => netError(`write EPIPE: ${detail}`, 'EPIPE', 'RemoteHostClosed', { syscall: 'write' });
export const socketClosed = (detail) => netError(`Socket is closed: ${detail}`, 'ERR_SOCKET_CLOSED', 'UnknownSocket');
