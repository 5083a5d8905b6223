// A Link is how a host reaches a socket: the host feeds inputs into it and keeps its transports
// (net sockets, servers, WebSockets) on it by the engine's ids. When `accept(other)` moves a
// connection, the transports move to the other socket's link, so later inputs reach the engine
// that now owns the connection.

export class Link {
  constructor(target, options) {
    this.target = target; // the facade's input sink: { input(method, args) }
    this.options = options; // host options from the Socket constructor (e.g. proxy)
    this.transports = new Map();
  }

  /** Feeds one input (a method name of the wasm Engine and its arguments). */
  feed(method, ...args) {
    this.target.input(method, args);
  }

  // The two inputs of every chunk, without the generic call's argument array.

  /** Stream bytes (or a datagram without a sender) arrived on transport `id`. */
  received(id, data) {
    this.target.received(id, data);
  }

  /** `n` more bytes of transport `id`'s output left for the network. */
  sent(id, n) {
    this.target.sent(id, n);
  }

  /** A listening socket got a connection: returns { link, id } for it, or null to drop it. */
  incoming(id, localIp, localPort, remoteIp, remotePort) {
    return this.target.incoming(id, localIp, localPort, remoteIp, remotePort);
  }

  open(id, transport) {
    transport.link = this;
    transport.id = id;
    this.transports.set(id, transport);
    return transport;
  }

  get(id) {
    return this.transports.get(id);
  }

  drop(id, transport) {
    if (this.transports.get(id) === transport) this.transports.delete(id);
  }

  /** Takes over every transport of `from`. */
  adoptFrom(from) {
    for (const [id, transport] of from.transports) {
      transport.link = this;
      this.transports.set(id, transport);
    }
    from.transports.clear();
  }
}
