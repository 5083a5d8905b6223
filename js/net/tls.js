// kvsocket/tls: the part of node:tls that clients use (docs/net.md, kvsocket/tls), over
// kvsocket/net's Socket with kvsocket's TLS (docs/spec.md, TLS):
// - connect(options[, cb]) / connect(port, host[, options][, cb]): a new connection, secured by
//   the kvsocket Socket's `tls` option (the engine handshakes before it reports Connected);
// - connect({ socket, ... }): the STARTTLS upgrade of a connected kvsocket/net Socket (pg,
//   mysql2, nodemailer): the old stream lets go of its kvsocket Socket (keeping the plaintext
//   that came before), startTls() runs on it, and the returned TLSSocket reads and writes it.
// Certificate and handshake failures come as 'error' with node:tls's `code` beside KVIrc's name
// (`kvircCode`): the table is NODE_CODES in js/net/errors.js.

import { STATUS } from '../status.js';
import { describe } from '../bytes.js';
import { NODE_CODES } from './errors.js';
import { SOCKET_OPTIONS, CONNECT_OPTIONS, KV_OPTIONS, WRAP, DETACH } from './socket.js';

// What tls.connect takes beyond kvsocket/net's options. Anything else is a TypeError naming it:
// a security option (checkServerIdentity, minVersion, key/cert, …) never passes silently.
const TLS_OPTIONS = ['servername', 'ca', 'rejectUnauthorized', 'ALPNProtocols'];
const UPGRADE_OPTIONS = ['socket', 'host', 'port', ...TLS_OPTIONS];
const NEW_OPTIONS = [...new Set([...SOCKET_OPTIONS, ...CONNECT_OPTIONS, ...TLS_OPTIONS])];
const SOCKET_ONLY = SOCKET_OPTIONS.filter((k) => !CONNECT_OPTIONS.includes(k));

const pick = (options, keys) => {
  const out = {};
  for (const key of keys) if (options[key] !== undefined) out[key] = options[key];
  return out;
};

const text = (v, what) => {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v); // a Buffer too
  throw new TypeError(`tls.connect: ${what} must be a string or a Buffer, got ${describe(v)}`);
};

// node:tls's options → the kvsocket Socket's tls object (docs/spec.md, TLS).
function tlsOptions(options) {
  const out = {};
  if (options.servername !== undefined) out.servername = options.servername;
  if (options.ca !== undefined) out.ca = Array.isArray(options.ca) ? options.ca.map((c) => text(c, 'options.ca')) : text(options.ca, 'options.ca');
  if (options.rejectUnauthorized !== undefined) out.rejectUnauthorized = options.rejectUnauthorized;
  if (options.ALPNProtocols !== undefined) {
    if (!Array.isArray(options.ALPNProtocols)) throw new TypeError(`tls.connect: options.ALPNProtocols must be an array of strings or Buffers, got ${describe(options.ALPNProtocols)}`);
    out.alpn = options.ALPNProtocols.map((p) => text(p, 'each of options.ALPNProtocols'));
  }
  return out;
}

function checkKeys(options, allowed, where) {
  for (const key of Object.keys(options)) {
    if (options[key] === undefined || allowed.includes(key)) continue;
    throw new TypeError(`${where}: option ${key} is not supported by kvsocket/tls; it takes ${allowed.join(', ')} (docs/net.md, kvsocket/tls)`);
  }
}

/** node:tls's argument forms: (options[, cb]), (port[, host][, options][, cb]). */
function connectArgs(args) {
  const cb = typeof args[args.length - 1] === 'function' ? args[args.length - 1] : undefined;
  const rest = cb ? args.slice(0, -1) : args;
  if (rest[0] !== null && typeof rest[0] === 'object') return [rest[0], cb];
  const [port, host, more] = typeof rest[1] === 'string' ? rest : [rest[0], undefined, rest[1]];
  if (more !== undefined && (more === null || typeof more !== 'object')) throw new TypeError(`tls.connect: options must be an object, got ${describe(more)}`);
  return [{ ...more, port, ...(host !== undefined ? { host } : {}) }, cb];
}

/** kvsocket/tls for one host's kvsocket/net: `Socket` is that net's Socket class. Returns
 * { TLSSocket, connect }. */
export function createTls({ Socket }) {
  class TLSSocket extends Socket {
    #info = null; // the kvsocket Socket's tlsInfo() once secured
    /** Always true, as node:tls's. */
    encrypted = true;

    #onConnect = false; // a new connection: 'secureConnect' follows 'connect'

    // Made by connect() only: node:tls's `new TLSSocket(socket, options)` is connect({ socket,
    // ... }) here (the class is exported for instanceof).
    constructor(options, internal, onConnect = false) {
      if (internal?.[KV_OPTIONS]?.tls === undefined && internal?.[WRAP] === undefined) {
        throw new TypeError('kvsocket/tls: TLSSocket is made by tls.connect(options) or tls.connect({ socket }), not by new (docs/net.md)');
      }
      super(options, internal);
      this.#onConnect = onConnect;
    }

    // kvsocket's Socket reports Connected once the handshake is done: 'connect' (each of its
    // listeners), then 'secureConnect', as node:tls orders them.
    emit(event, ...args) {
      const result = super.emit(event, ...args);
      if (event === 'connect' && this.#onConnect) this._kvSecured();
      return result;
    }

    // The handshake is done: read what it settled, then 'secureConnect'.
    _kvSecured() {
      this.#info = this.socket.tlsInfo();
      this.emit('secureConnect');
    }

    /** Whether the peer's certificate was verified (false before the handshake, or with
     * rejectUnauthorized: false and a certificate that failed). */
    get authorized() { return this.#info?.authorized ?? false; }
    /** Why the certificate was not verified, as node:tls's code (NODE_CODES), else null. */
    get authorizationError() {
      const code = this.#info?.authorizationError;
      return code ? (NODE_CODES[code] ?? code) : null;
    }
    /** The name sent (SNI) and checked. */
    get servername() { return this.#info?.servername ?? undefined; }
    /** The protocol ALPN settled on, or false (as node:tls). */
    get alpnProtocol() { return this.#info ? (this.#info.alpn ?? false) : null; }
    /** 'TLSv1.2' / 'TLSv1.3', or null before the handshake. */
    getProtocol() { return this.#info?.protocol ?? null; }
    /** { name, standardName, version } of the cipher (IANA names), or null. */
    getCipher() {
      const info = this.#info;
      return info ? { name: info.cipher, standardName: info.cipher, version: info.protocol } : null;
    }
    /** The peer's certificate in node:tls's shape, so far as kvsocket knows it: subject, issuer,
     * valid_from, valid_to (ISO 8601, UTC: node:tls writes OpenSSL's date form), fingerprint256;
     * {} before the handshake. */
    getPeerCertificate() {
      const cert = this.#info?.peerCertificate;
      if (!cert) return {};
      return { subject: cert.subject, issuer: cert.issuer, valid_from: cert.validFrom, valid_to: cert.validTo, fingerprint256: cert.fingerprint256 };
    }
    /** False: kvsocket does not resume TLS sessions. */
    isSessionReused() { return false; }
  }

  function upgrade(options, cb) {
    checkKeys(options, UPGRADE_OPTIONS, 'tls.connect({ socket })');
    const plain = options.socket;
    if (!(plain instanceof Socket)) {
      throw new TypeError(`tls.connect: options.socket must be a kvsocket/net Socket (from kvsocket/net's connect or new Socket()), got ${describe(plain)}`);
    }
    const kv = plain.socket;
    // Connected, or (as node:tls takes it) still connecting: the upgrade then waits for the
    // connection. Anything else cannot be secured.
    if (plain.destroyed || !(kv.status() === STATUS.Connected || plain.connecting) || kv.tlsInfo() !== null) {
      const err = new Error(`tls.connect: options.socket must be a connected (or connecting) kvsocket/net Socket not yet secured; it is ${kv.tlsInfo() ? 'secured' : kv.status(true)}`);
      err.code = 'ERR_SOCKET_CLOSED';
      throw err;
    }
    // node:tls checks the certificate against servername, else host; kvsocket's engine then
    // against the host the socket connected to.
    const tls = tlsOptions({ ...options, servername: options.servername ?? options.host });
    const secured = new TLSSocket(undefined, { [WRAP]: kv });
    if (cb) secured.once('secureConnect', cb);
    kv.addEventListener('secure', () => secured._kvSecured(), { once: true });
    // The old stream closes with the new one (as node:tls's underlying socket does).
    secured.once('close', () => plain.destroy());
    const start = () => {
      plain[DETACH]();
      if (!kv.startTls(tls)) {
        const err = new Error(`tls.connect: ${kv.lastError()}`);
        err.code = 'ERR_SOCKET_CLOSED';
        secured.destroy(err);
      }
    };
    // (The old stream's 'connect' comes first: its watcher was made first. No byte can have
    // arrived before it.) What is written meanwhile waits in the stream (cork) until startTls()
    // ran, so that the engine sends it encrypted, never before the handshake.
    if (plain.connecting) {
      secured.cork();
      plain.once('connect', () => { start(); secured.uncork(); });
    } else start();
    return secured;
  }

  /** connect(options[, cb]) / connect(port[, host][, options][, cb]); with options.socket,
   * the upgrade of that connected kvsocket/net Socket. cb: on 'secureConnect'. */
  function connect(...args) {
    const [options, cb] = connectArgs(args);
    if (options.socket !== undefined) return upgrade(options, cb);
    checkKeys(options, NEW_OPTIONS, 'tls.connect');
    const secured = new TLSSocket(pick(options, SOCKET_ONLY), { [KV_OPTIONS]: { tls: tlsOptions(options) } }, true);
    if (cb) secured.once('secureConnect', cb);
    return secured.connect(pick(options, CONNECT_OPTIONS));
  }

  return { TLSSocket, connect };
}
