// The Direct Sockets TCPServerSocket (WICG): `new TCPServerSocket(localAddress, {localPort,
// backlog, ipv6Only})`; `opened` gives a readable stream of accepted TCPSockets. A listening
// kvsocket Socket underneath (a browser needs kvsocket-proxy's reverse tunnel). Each incoming
// connection is accepted inside incomingConnectionEvent (KVIrc's rule) and queued for the
// reader; past `backlog` queued and unread, new connections are refused (closed at once).

import { Watcher, settled } from '../watch.js';
import { openingPromises } from './opening.js';
import { invalidState } from './streams.js';
import { ACCEPTED } from './tcp.js';


export function createTCPServerSocket(Socket, TCPSocket, check) {
  return class TCPServerSocket {
    #socket;
    #opened;
    #closed;
    #readable = null;
    #closing = false;

    /** @param {string} localAddress an IP literal ('127.0.0.1', '::1', '0.0.0.0', '::')
     *  @param {{localPort?: number, backlog?: number, ipv6Only?: boolean, proxy?: string}} [options] */
    constructor(localAddress, options = {}) {
      // TypeError for a wrong argument; the backlog (the option's or the default) otherwise.
      const backlog = check('TCPServerSocket', options, localAddress);
      const o = options ?? {};
      const sock = new Socket({ proxy: o.proxy });
      this.#socket = sock;
      let controller;
      this.#readable = new ReadableStream({
        start(c) { controller = c; },
        cancel: () => sock.close(),
      }, { highWaterMark: 0 });
      // With a high-water mark of 0, -desiredSize is the number of sockets queued and unread.
      sock.incomingConnectionEvent = (child) => {
        if (controller.desiredSize === null || -controller.desiredSize >= backlog) return; // closed when the handler returns
        sock.accept(child);
        controller.enqueue(new TCPSocket(ACCEPTED, child));
      };
      // '::' listens to IPv6 only here (docs/direct-sockets.md), so ipv6Only changes nothing.
      const ready = sock.listen(o.localPort ?? 0, localAddress) ? sock.listening() : null;
      // The listening ends with close(), a cancel of the readable, or a failure.
      const watcher = ready && new Watcher(sock, {
        end: (failure) => {
          try {
            if (failure) controller.error(failure);
            else controller.close();
          } catch { /* already closed or errored */ }
        },
      });
      ({ opened: this.#opened, closed: this.#closed } = openingPromises('TCPServerSocket', sock, ready, {
        open: ({ ip, port }) => ({ readable: this.#readable, localAddress: ip, localPort: port }),
        whenOpen: async () => {
          await settled(sock);
          if (watcher.failure) throw watcher.failure;
        },
        closing: () => this.#closing,
      }));
    }

    /** Resolves with {readable (of TCPSockets), localAddress, localPort}. */
    get opened() {
      return this.#opened;
    }

    get closed() {
      return this.#closed;
    }

    /** Stops listening (accepted TCPSockets stay open) and returns `closed`; InvalidStateError
     * while the readable is locked. */
    close() {
      if (this.#readable.locked) {
        return Promise.reject(invalidState('TCPServerSocket.close(): release the readable stream first'));
      }
      this.#closing = true;
      this.#socket.close();
      return this.#closed.then(() => undefined);
    }
  };
}
