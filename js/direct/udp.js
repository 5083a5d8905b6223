// The Direct Sockets UDPSocket (WICG): connected mode ({remoteAddress, remotePort}: one peer) or
// bound mode ({localAddress, localPort}: datagrams from anyone). Readable chunks are UDPMessages
// {data, remoteAddress, remotePort}, one per datagram; writable chunks are UDPMessages too.
// A kvsocket UDP Socket underneath (a browser needs kvsocket-proxy's datagram mode).

import { closeStreams, openingPromises } from './opening.js';
import { bufferSourceBytes, socketStreams } from './streams.js';
import { applyBufferSizes } from './options.js';

export function createUDPSocket(Socket, check) {
  return class UDPSocket {
    #socket;
    #opened;
    #closed;
    #streams = null;
    #bound;
    #closing = false;

    /** @param {{remoteAddress?: string, remotePort?: number, localAddress?: string,
     *   localPort?: number, ipv6Only?: boolean, sendBufferSize?: number,
     *   receiveBufferSize?: number, proxy?: string}} options */
    constructor(options) {
      check('UDPSocket', options); // TypeError for a wrong argument, or neither mode or both
      const o = options;
      const bound = o.localAddress !== undefined;
      this.#bound = bound;
      const sock = new Socket({ proxy: o.proxy, protocol: 'udp' });
      this.#socket = sock;
      applyBufferSizes(sock, o);
      const started = bound
        ? sock.listen(o.localPort ?? 0, o.localAddress)
        : sock.connect(o.remoteAddress, o.remotePort);
      const ready = started ? (bound ? sock.listening() : sock.connected()) : null;
      ({ opened: this.#opened, closed: this.#closed } = openingPromises('UDPSocket', sock, ready, {
        open: () => this.#open(),
        whenOpen: () => this.#streams.closed,
        closing: () => this.#closing,
      }));
    }

    #open() {
      const sock = this.#socket;
      const bound = this.#bound;
      this.#streams = socketStreams(sock, {
        // One datagram; its sender is the remote address of the datagram last read.
        read: () => {
          const data = sock.readBytes();
          return { data, remoteAddress: sock.remoteIp(), remotePort: sock.remotePort() };
        },
        write: (message) => {
          if (message === null || typeof message !== 'object') throw new TypeError('UDPSocket writable: expected a UDPMessage {data, remoteAddress?, remotePort?}');
          const bytes = bufferSourceBytes(message.data, 'UDPSocket writable: data');
          const hasAddress = message.remoteAddress !== undefined || message.remotePort !== undefined;
          if (!bound) {
            if (hasAddress) throw new TypeError('UDPSocket writable: a connected UDPSocket sends to its peer; remoteAddress/remotePort are not allowed');
            return [sock.write(bytes), bytes.length];
          }
          if (message.remoteAddress === undefined || message.remotePort === undefined) {
            throw new TypeError('UDPSocket writable: a bound UDPSocket needs remoteAddress and remotePort');
          }
          return [sock.writeTo(bytes, String(message.remoteAddress), message.remotePort), bytes.length];
        },
        endOutput: async () => {}, // datagrams have no end; close() ends the socket
      });
      this.#closed = this.#streams.closed;
      const info = { readable: this.#streams.readable, writable: this.#streams.writable, localAddress: sock.localIp(), localPort: sock.localPort() };
      if (!bound) Object.assign(info, { remoteAddress: sock.remoteIp(), remotePort: sock.remotePort() });
      return info;
    }

    /** Resolves with {readable, writable, localAddress, localPort} (and remoteAddress,
     * remotePort in connected mode). */
    get opened() {
      return this.#opened;
    }

    get closed() {
      return this.#closed;
    }

    /** Closes the socket and returns `closed`; InvalidStateError while a stream is locked. */
    close() {
      return closeStreams('UDPSocket', this.#streams, this.#socket, this.#closed, () => { this.#closing = true; });
    }
  };
}
