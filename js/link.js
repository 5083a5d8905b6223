// A Link is how a host reaches a socket: the host feeds inputs into it and keeps its transports
// (net sockets, servers, WebSockets) on it by the engine's ids. When `accept(other)` moves a
// connection, the transports move to the other socket's link, so later inputs reach the engine
// that now owns the connection.
//
// Memory per connection counts (10 000 idle sockets): a link is one object. The functions that
// reach the facade are shared by every link (`sink`); the one transport most sockets have sits
// in the link itself, and a Map is made only for a second.

export class Link {
  /**
   * `sink`: the facade's shared functions { input(socket, method, args), received(socket, id,
   * data), sent(socket, id, n), unsent(socket, id, n), connected(socket, id, ...),
   * incoming(socket, ...), defaultProxy() }; `given`: the options the Socket was made with.
   */
  constructor(sink, socket, given) {
    this.sink = sink;
    this.socket = socket;
    this.given = given;
    this.id = -1; // the first transport's id (engine ids are unsigned)
    this.transport = undefined;
    this.more = null; // Map id -> transport for the others
    this.host = ''; // the host connect() was given: TLS's default servername
    this.tls = undefined; // the options of the current or next TLS handshake (the host's)
  }

  /** The options a host reads (`proxy`); read when a host needs them, so that a later
   * `Socket.defaultProxy = url` counts too. */
  get options() {
    return this;
  }

  get proxy() {
    return this.given.proxy ?? this.sink.defaultProxy();
  }

  /** Feeds one input (a method name of the wasm Engine and its arguments). */
  feed(method, ...args) {
    this.sink.input(this.socket, method, args);
  }

  // The two inputs of every chunk, without the generic call's argument array.

  /** Stream bytes (or a datagram without a sender) arrived on transport `id`. */
  received(id, data) {
    this.sink.received(this.socket, id, data);
  }

  /** `n` more bytes of transport `id`'s output left for the network. */
  sent(id, n) {
    this.sink.sent(this.socket, id, n);
  }

  /** `n` bytes of a write handed to transport `id` at once (`host.sendNow`) are still held by
   * it, not yet on the network. */
  unsent(id, n) {
    this.sink.unsent(this.socket, id, n);
  }

  /** Transport `id` connected (the first input of every connection: no argument array). */
  connected(id, localIp, localPort, remoteIp, remotePort) {
    this.sink.connected(this.socket, id, localIp, localPort, remoteIp, remotePort);
  }

  /** A listening socket got a connection: returns { link, id } for it, or null to drop it. */
  incoming(id, localIp, localPort, remoteIp, remotePort) {
    return this.sink.incoming(this.socket, id, localIp, localPort, remoteIp, remotePort);
  }

  open(id, transport) {
    transport.link = this;
    transport.id = id;
    if (this.transport === undefined || this.id === id) {
      this.id = id;
      this.transport = transport;
    } else {
      (this.more ??= new Map()).set(id, transport);
    }
    return transport;
  }

  get(id) {
    return id === this.id ? this.transport : this.more?.get(id);
  }

  drop(id, transport) {
    if (id === this.id) {
      if (this.transport !== transport) return;
      this.transport = undefined;
      this.id = -1;
    } else if (this.more?.get(id) === transport) {
      this.more.delete(id);
    }
  }

  /** Takes over every transport of `from`. */
  adoptFrom(from) {
    if (from.transport !== undefined) this.open(from.id, from.transport);
    if (from.more) for (const [id, transport] of from.more) this.open(id, transport);
    from.transport = undefined;
    from.id = -1;
    from.more = null;
  }
}
