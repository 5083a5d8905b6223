// The Direct Sockets TCPSocket (WICG): `new TCPSocket(host, port, options)`, `opened` with the
// streams and addresses, `closed`, `close()`. A kvsocket Socket underneath: on Node real TCP, in
// a browser TCP through the proxy (options.proxy or Socket.defaultProxy). Where this departs from
// the spec: docs/direct-sockets.md.

import { refusal, secured, settled } from '../watch.js';
import { closeStreams, openingPromises } from './opening.js';
import { bufferSourceBytes, socketStreams } from './streams.js';
import { applyBufferSizes } from './options.js';

// The key with which TCPServerSocket hands over an accepted Socket instead of a host and port.
export const ACCEPTED = Symbol('kvsocket accepted connection');

export function createTCPSocket(Socket, check) {
  return class TCPSocket {
    #socket;
    #opened;
    #closed;
    #streams = null;
    #closing = false;
    #secureTransport = 'off';
    #tlsOptions = undefined;

    /** @param {string} remoteAddress @param {number} remotePort @param {object} [options] */
    constructor(remoteAddress, remotePort, options = {}) {
      if (remoteAddress === ACCEPTED) {
        this.#socket = remotePort;
        this.#opened = Promise.resolve(this.#open());
        return;
      }
      check('TCPSocket', options, remoteAddress, remotePort); // TypeError for a wrong argument
      const o = options ?? {};
      // TLS as Cloudflare's connect(): 'on' handshakes before `opened`, 'starttls' opens plain
      // and startTls() upgrades; `tls` holds the Socket's TLS options (servername, ca, …).
      const secure = o.secureTransport ?? 'off';
      this.#secureTransport = secure;
      this.#tlsOptions = o.tls;
      const sock = new Socket(secure === 'on' ? { proxy: o.proxy, tls: o.tls ?? true } : { proxy: o.proxy });
      this.#socket = sock;
      applyBufferSizes(sock, o);
      // The spec's defaults: Nagle on, no keep-alive, unless the options say otherwise.
      sock.setNoDelay(o.noDelay === true);
      if (o.keepAliveDelay !== undefined) sock.setKeepAlive(true, o.keepAliveDelay);
      const ready = sock.connect(remoteAddress, remotePort) ? sock.connected() : null;
      ({ opened: this.#opened, closed: this.#closed } = openingPromises('TCPSocket', sock, ready, {
        open: () => this.#open(),
        whenOpen: () => this.#streams.closed,
        closing: () => this.#closing,
      }));
    }

    #open() {
      const sock = this.#socket;
      this.#streams = socketStreams(sock, {
        read: () => sock.readBytes(),
        write: (chunk) => {
          const bytes = bufferSourceBytes(chunk, 'TCPSocket writable');
          return [sock.write(bytes), bytes.length];
        },
        // Closing the writable ends our output: a half-close (our FIN after what was written);
        // the readable goes on until the peer ends too. One that cannot half-close any more
        // flushes and closes.
        endOutput: async () => {
          if (sock.end()) return;
          sock.close();
          await settled(sock);
        },
      });
      this.#closed = this.#streams.closed;
      return {
        readable: this.#streams.readable,
        writable: this.#streams.writable,
        remoteAddress: sock.remoteIp(),
        remotePort: sock.remotePort(),
        localAddress: sock.localIp(),
        localPort: sock.localPort(),
      };
    }

    /**
     * With `secureTransport: 'starttls'`, once opened: secures the connection (the same streams
     * carry TLS from now on; Cloudflare's returns a new socket instead). Resolves once the
     * handshake is done; rejects with the SocketError of the failure that ended the connection
     * (its `code` a Tls* error name), or of the Socket's refusal when not allowed now (the
     * engine's lastError and lastErrorCode). `options` as the Socket's `tls` option, default
     * the constructor's `tls`.
     */
    async startTls(options = this.#tlsOptions) {
      if (this.#secureTransport !== 'starttls') {
        throw new TypeError("TCPSocket: startTls() needs secureTransport: 'starttls'");
      }
      await this.#opened;
      const sock = this.#socket;
      if (!sock.startTls(options)) throw refusal(sock);
      return secured(sock);
    }

    /** The connection's TLS parameters once secured (the Socket's tlsInfo()), else null. */
    tlsInfo() {
      return this.#socket.tlsInfo();
    }

    /** Resolves with {readable, writable, remoteAddress, remotePort, localAddress, localPort}. */
    get opened() {
      return this.#opened;
    }

    /** Resolves when the connection is over (a clean end or close()); rejects on a failure. */
    get closed() {
      return this.#closed;
    }

    /** Flushes what was written, closes the connection, and returns `closed`. Rejects with an
     * InvalidStateError while a stream is locked (a reader or writer holds it), as the spec. */
    close() {
      return closeStreams('TCPSocket', this.#streams, this.#socket, this.#closed, () => { this.#closing = true; });
    }
  };
}
