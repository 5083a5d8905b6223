// connect(address, options) in the shape of Cloudflare's `cloudflare:sockets` (the WinterCG
// sockets API): a socket with `readable`, `writable`, `opened`, `closed`, `close()`,
// `startTls()`, `upgraded`, `secureTransport`, over a host's Socket. The streams are those of
// the Direct Sockets TCPSocket (js/direct/streams.js), so both follow the engine's high-water
// marks the same way. Where this departs from Cloudflare: docs/connect.md.

import { describe } from './bytes.js';
import { isConnecting, refusal, secured, settled } from './watch.js';
import { openingPromises } from './direct/opening.js';
import { bufferSourceBytes, socketStreams } from './direct/streams.js';


/** { hostname, port } of connect()'s address: 'host:port', '[v6]:port', or { hostname, port }.
 * TypeError for any other shape (a port out of range is the Socket's rule: `opened` rejects). */
export function parseAddress(address) {
  if (typeof address === 'string') {
    const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)$/.exec(address);
    if (!m) throw new TypeError(`connect(): the address must be 'host:port' or '[IPv6]:port', got ${describe(address)}`);
    return { hostname: m[1] ?? m[2], port: Number(m[3]) };
  }
  if (address !== null && typeof address === 'object') {
    const { hostname, port } = address;
    if (typeof hostname !== 'string') throw new TypeError(`connect(): address.hostname must be a string, got ${describe(hostname)}`);
    if (typeof port !== 'number') throw new TypeError(`connect(): address.port must be a number, got ${describe(port)}`);
    return { hostname, port };
  }
  throw new TypeError(`connect(): the address must be a string or { hostname, port }, got ${describe(address)}`);
}

/** "ip:port", "[ip]:port" for IPv6: how SocketInfo names an address. */
const joinAddress = (ip, port) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/** A promise and the functions that settle it. */
function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  promise.catch(() => {}); // the failure is the user's to observe, not an unhandled rejection
  return { promise, resolve, reject };
}

/** What startTls() takes: Cloudflare's expectedServerHostname, and the Socket's TLS options
 * (servername, ca, rejectUnauthorized, alpn: postgres passes `servername`). */
function startTlsOptions(defaults, options) {
  if (options === undefined || options === null) return { ...defaults };
  if (typeof options !== 'object') throw new TypeError(`startTls(): options must be an object, got ${describe(options)}`);
  const { expectedServerHostname, ...rest } = options;
  if (expectedServerHostname !== undefined && typeof expectedServerHostname !== 'string') {
    throw new TypeError(`startTls(): expectedServerHostname must be a string, got ${describe(expectedServerHostname)}`);
  }
  const merged = { ...defaults, ...rest };
  if (expectedServerHostname !== undefined) merged.servername = expectedServerHostname;
  return merged;
}

/** connect(address, options) over `Socket`. */
export function createConnect(Socket, check) {
  class CloudflareSocket {
    #sock;
    #streams;
    #opened;
    #closed = deferred();
    #closing = false;
    #secureTransport;
    #tls;
    #upgraded;
    #handedOver = false;

    /** `ready`: the promise of the connection (of the handshake, for an upgrade), null when
     * connect() returned false. */
    constructor(sock, ready, { secureTransport, tls, upgraded = false }) {
      this.#sock = sock;
      this.#secureTransport = secureTransport;
      this.#tls = tls;
      this.#upgraded = upgraded;
      this.#streams = socketStreams(sock, {
        ready,
        read: () => sock.readBytes(),
        write: (chunk) => {
          const bytes = bufferSourceBytes(chunk, 'connect() writable');
          return [sock.write(bytes), bytes.length];
        },
        // Closing the writable is a half-close (our FIN after what was written); the readable
        // goes on until the peer ends. One that cannot half-close any more flushes and closes.
        endOutput: async () => {
          if (sock.end()) return;
          sock.close();
          await settled(sock);
        },
      });
      const info = () => ({
        remoteAddress: joinAddress(sock.remoteIp(), sock.remotePort()),
        localAddress: joinAddress(sock.localIp(), sock.localPort()),
      });
      const promises = upgraded
        ? this.#upgradePromises(ready, info)
        : openingPromises('connect()', sock, ready, { open: info, whenOpen: () => this.#streams.closed, closing: () => this.#closing });
      this.#opened = promises.opened;
      // Until startTls() hands the connection over, `closed` is the connection's.
      promises.closed.then(
        () => { if (!this.#handedOver) this.#closed.resolve(); },
        (e) => { if (!this.#handedOver) this.#closed.reject(e); },
      );
    }

    /** opened and closed of the socket startTls() returned: opened when the handshake is done. */
    #upgradePromises(ready, info) {
      const opened = ready.then(info);
      opened.catch(() => {});
      const closed = opened.then(() => this.#streams.closed);
      return { opened, closed };
    }

    get readable() { return this.#streams.readable; }
    get writable() { return this.#streams.writable; }
    /** Resolves with { remoteAddress, localAddress } ('ip:port') once connected. */
    get opened() { return this.#opened; }
    /** Resolves when the connection is over (a clean end or close()); rejects on a failure. */
    get closed() { return this.#closed.promise; }
    get upgraded() { return this.#upgraded; }
    get secureTransport() { return this.#secureTransport; }

    /** Flushes what was written and closes (KVIrc's close), whether or not the streams are
     * locked (Cloudflare's close() does not ask); before it opened, abandons the attempt.
     * Returns `closed`. */
    close() {
      if (!this.#closing && !this.#handedOver) {
        this.#closing = true;
        // The engine's close(): flushes and closes a connection, abandons an attempt.
        this.#sock.close();
      }
      return this.#closed.promise;
    }

    /** STARTTLS (secureTransport 'starttls' only, once): secures this connection and returns a
     * new socket for it, `upgraded` true, whose `opened` resolves when the handshake is done.
     * This socket's streams error and its `closed` follows that handshake: resolved when it is
     * done, rejected with its failure. */
    startTls(options) {
      if (this.#secureTransport !== 'starttls') throw new TypeError("startTls(): needs a socket made with secureTransport: 'starttls'");
      if (this.#handedOver || this.#upgraded) throw new TypeError('startTls(): this socket was already upgraded');
      const tls = startTlsOptions(this.#tls, options);
      const sock = this.#sock;
      const begin = () => {
        if (!sock.startTls(tls)) throw refusal(sock);
        return secured(sock);
      };
      // Called while still connecting (Cloudflare allows it): the handshake starts once open.
      // Otherwise now, and a socket that cannot start it (closed) throws here.
      const handshake = isConnecting(sock) ? this.#opened.then(begin) : begin();
      this.#handedOver = true;
      this.#streams.retire(new TypeError('this socket was upgraded by startTls(): use the socket it returned'));
      handshake.then(() => this.#closed.resolve(), (e) => this.#closed.reject(e));
      return new CloudflareSocket(sock, handshake, { secureTransport: 'starttls', tls, upgraded: true });
    }
  }

  /** Opens a TCP connection to `address` ('host:port' or { hostname, port }); see docs/connect.md. */
  return function connect(address, options) {
    const { hostname, port } = parseAddress(address);
    // A TypeError for options connect() does not take (the engine module's rules:
    // src/engine/direct.rs); then the values as given, Cloudflare's defaults for the rest.
    check('connect', options);
    // (`??`: a null option is a missing one, as the module read it and as TCPSocket's is.)
    const secureTransport = options?.secureTransport ?? 'off';
    const { proxy, tls } = options ?? {};
    const socketOptions = {};
    if (proxy !== undefined) socketOptions.proxy = proxy;
    if (secureTransport === 'on') socketOptions.tls = tls ?? true;
    const sock = new Socket(socketOptions);
    const ready = sock.connect(hostname, port) ? sock.connected() : null;
    return new CloudflareSocket(sock, ready, { secureTransport, tls: tls ?? {} });
  };
}
