// connect(address, options) in the shape of Cloudflare's `cloudflare:sockets` (the WinterCG
// sockets API): a socket with `readable`, `writable`, `opened`, `closed`, `close()`,
// `startTls()`, `upgraded`, `secureTransport`, over a host's Socket. The streams are those of
// the Direct Sockets TCPSocket (js/direct/streams.js), so both follow the engine's high-water
// marks the same way. Where this departs from Cloudflare: docs/connect.md.

import { describe } from './bytes.js';
import { settled } from './watch.js';
import { STATUS } from './status.js';
import { openingPromises } from './direct/opening.js';
import { bufferSourceBytes, socketStreams } from './direct/streams.js';

const OPTIONS = ['secureTransport', 'allowHalfOpen', 'proxy'];
const TRANSPORTS = ['off', 'on', 'starttls'];
const NO_TLS = "connect(): secureTransport 'on' and 'starttls' need TLS, which kvsocket does not have yet; use 'off'";

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

/** The checked options: TypeError for an unknown option or a value connect() does not take. */
export function checkConnectOptions(options) {
  if (options === undefined || options === null) return { secureTransport: 'off', allowHalfOpen: false };
  if (typeof options !== 'object') throw new TypeError(`connect(): options must be an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!OPTIONS.includes(key)) throw new TypeError(`connect(): unknown option '${key}' (connect() takes ${OPTIONS.join(', ')})`);
  }
  const { secureTransport = 'off', allowHalfOpen = false } = options;
  if (!TRANSPORTS.includes(secureTransport)) {
    throw new TypeError(`connect(): secureTransport must be 'off', 'on' or 'starttls', got ${describe(secureTransport)}`);
  }
  if (typeof allowHalfOpen !== 'boolean') throw new TypeError(`connect(): allowHalfOpen must be a boolean, got ${describe(allowHalfOpen)}`);
  // The engine ends the connection when the peer half-closes (docs/spec.md: KVIrc has no
  // half-open sockets), so a writable that outlives the peer's end cannot be offered.
  if (allowHalfOpen) {
    throw new TypeError('connect(): allowHalfOpen must be false (the default): kvsocket ends the connection when the peer half-closes (docs/spec.md)');
  }
  if (secureTransport !== 'off') throw new TypeError(NO_TLS);
  return { secureTransport, allowHalfOpen, proxy: options.proxy };
}

/** "ip:port", "[ip]:port" for IPv6: how SocketInfo names an address. */
const joinAddress = (ip, port) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/** connect(address, options) over `Socket`. */
export function createConnect(Socket) {
  class CloudflareSocket {
    #sock;
    #streams;
    #opened;
    #closed;
    #closing = false;
    #secureTransport;

    constructor(sock, ready, secureTransport) {
      this.#sock = sock;
      this.#secureTransport = secureTransport;
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
      ({ opened: this.#opened, closed: this.#closed } = openingPromises('connect()', sock, ready, {
        open: () => ({
          remoteAddress: joinAddress(sock.remoteIp(), sock.remotePort()),
          localAddress: joinAddress(sock.localIp(), sock.localPort()),
        }),
        whenOpen: () => this.#streams.closed,
        closing: () => this.#closing,
      }));
    }

    get readable() { return this.#streams.readable; }
    get writable() { return this.#streams.writable; }
    /** Resolves with { remoteAddress, localAddress } ('ip:port') once connected. */
    get opened() { return this.#opened; }
    /** Resolves when the connection is over (a clean end or close()); rejects on a failure. */
    get closed() { return this.#closed; }
    get upgraded() { return false; }
    get secureTransport() { return this.#secureTransport; }

    /** Flushes what was written and closes (KVIrc's close), whether or not the streams are
     * locked (Cloudflare's close() does not ask); before it opened, abandons the attempt.
     * Returns `closed`. */
    close() {
      if (!this.#closing) {
        this.#closing = true;
        if (this.#sock.status() === STATUS.Connected) this.#sock.close();
        else this.#sock.destroy();
      }
      return this.#closed;
    }

    startTls() {
      throw new TypeError(this.#secureTransport === 'starttls' ? NO_TLS : "connect(): startTls() needs secureTransport: 'starttls'");
    }
  }

  /** Opens a TCP connection to `address` ('host:port' or { hostname, port }); see docs/connect.md. */
  return function connect(address, options) {
    const { hostname, port } = parseAddress(address);
    const { secureTransport, proxy } = checkConnectOptions(options);
    const sock = new Socket(proxy === undefined ? {} : { proxy });
    const ready = sock.connect(hostname, port) ? sock.connected() : null;
    return new CloudflareSocket(sock, ready, secureTransport);
  };
}
