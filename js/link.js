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
   * `sink`: the facade's shared functions, one per input kind, each taking the socket first
   * (resolved, connected, received, receivedFrom, sent, unsent, peerClosed, closed, flushed,
   * failed, wsClosed, listening, incoming) and defaultProxy(); `given`: the options the Socket was made
   * with.
   */
  constructor(sink, socket, given) {
    this.sink = sink;
    this.socket = socket;
    this.given = given;
    this.id = -1; // the first transport's id (engine ids are unsigned)
    this.transport = undefined;
    this.more = null; // Map id -> transport for the others
  }

  /** The options a host reads (`proxy`); read when a host needs them, so that a later
   * `Socket.defaultProxy = url` counts too. */
  get options() {
    return this;
  }

  get proxy() {
    return this.given.proxy ?? this.sink.defaultProxy();
  }

  // The host's inputs, one call per kind (the engine's `Input`s, src/engine/io.rs), each naming
  // the transport `id` it comes from.

  /** A lookup answered: the addresses (strings) in the resolver's order. */
  resolved(id, addrs) {
    this.sink.resolved(this.socket, id, addrs);
  }

  /** Stream bytes (or a datagram without a sender) arrived on transport `id`. */
  received(id, data) {
    this.sink.received(this.socket, id, data);
  }

  /** A datagram arrived from `ip`:`port`. */
  receivedFrom(id, data, ip, port) {
    this.sink.receivedFrom(this.socket, id, data, ip, port);
  }

  /** The peer ended its side (TCP FIN, the proxy's end). */
  peerClosed(id) {
    this.sink.peerClosed(this.socket, id);
  }

  /** The transport is gone entirely. */
  closed(id) {
    this.sink.closed(this.socket, id);
  }

  /** Everything the transport took went to the network (answers a `shutdown`). */
  flushed(id) {
    this.sink.flushed(this.socket, id);
  }

  /** The transport failed with the error name `error` (`ECONNREFUSED`, one of KVIrc's codes):
   * a lookup, connect or bind that failed, or a connection that broke. The engine tells which
   * by its state; hosts report every failure here. */
  failed(id, error) {
    this.sink.failed(this.socket, id, error);
  }

  /** The TLS handshake a `startTls` action asked for is done (js/node/tls.js, js/tls/layer.js). */
  secure(id) {
    this.sink.secure(this.socket, id);
  }

  /** The WebSocket carrying transport `id` closed with `code` and `reason` (as the browser gave
   * them), after it `opened` or not: the engine tells a clean end from a failure, and which
   * failure (src/engine/ws_close.rs). */
  wsClosed(id, code, reason, opened) {
    this.sink.wsClosed(this.socket, id, code, reason, opened);
  }

  /** A `listen` bound `ip`:`port`. */
  listening(id, ip, port) {
    this.sink.listening(this.socket, id, ip, port);
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

  /** Calls `fn(transport)` for each transport of the link. */
  each(fn) {
    if (this.transport !== undefined) fn(this.transport);
    if (this.more) for (const transport of this.more.values()) fn(transport);
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
