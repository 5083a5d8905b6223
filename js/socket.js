// The public Socket class (docs/spec.md). It forwards calls to the wasm engine, has the host perform
// the engine's actions, and delivers the engine's events. Every rule about states, addresses,
// buffers and event order is the engine's; what is here is JS-only: argument types, Blobs,
// timers, and dispatch.

import { toBytes, isBlob, isAscii, describe, plain, tailOf } from './bytes.js';
import { EVENTS, enqueue, deliverNow } from './dispatch.js';
import { Link } from './link.js';
import { SocketBase } from './event-target.js';
import { createBatchReader } from './batch.js';
import { installPromises, watchSignal } from './promises.js';
import { ASK, socketDestroyed } from './watch.js';
import { createTextReader } from './text.js';
import { createDeadlines } from './deadlines.js';
import { STATUS, learnStatuses } from './status.js';
import { readTuning } from './tuning.js';
import { Actions } from './actions.js';

const now = () => performance.now();
// The key under which the facade passes an existing engine to the constructor.
const ENGINE = Symbol('kvsocket engine');
// A Socket made without options shares this one (an object per socket is memory per socket).
const NO_OPTIONS = Object.freeze({});

/**
 * Makes the Socket class for one host. `Engine` is the wasm engine class; `wasm` holds the
 * instance's `memory`, the `statusNames` export (js/status.js), the `batchHeader` / `batchKinds` /
 * `setShelf` / `hostTuning` exports (js/batch.js, js/tuning.js), and
 * `textScratch` / `textOfScratch` (js/text.js; without them `textOfBytes` decodes);
 * `host.perform(action, link)` performs an engine action; `host.refuse?.(command, options)`
 * returns a reason when the host cannot do a command at all (a browser without a proxy URL),
 * else ''; `host.checkOptions?.(options)` throws TypeError for constructor options the host
 * cannot honour; `host.resolvesNames?.(options)` whether the transport resolves host names for
 * such a socket (the engine then hands names on); `host.plain?.(options)` that neither applies
 * (nothing refused, names resolved by the engine), so connect() asks the engine nothing first;
 * `host.sendNow?.(id, bytes, link)` hands a write the engine let through to its transport within
 * the call (false when that transport cannot), and then `host.turn()` names the event-loop turn
 * (a number that changes from turn to turn) for the engine's rule on close() in the same turn;
 * `host.sendsText?.(options)` says whether its `send` takes an ASCII string as
 * well as bytes; `host.copyBytes?.(bytes)` copies written bytes into what its `send` takes best;
 * `host.borrows?.(link)` says whether the host takes the `send`s of the socket behind `link`
 * only for the call (it sends or copies them before it returns), so that a write's view may be
 * lent to it (`action.lent`) instead of copied first. `engines` (js/engines.js), when given,
 * makes the engines of the sockets made by scripts.
 */
export function createSocketClass({ Engine, hexToBytes, textOfBytes, hexOfBytes, host, wasm, engines }) {
  if (!Object.isFrozen(STATUS)) learnStatuses(wasm.statusNames(), wasm.overStatuses());
  const tuning = readTuning(wasm.hostTuning);
  // The longest string write() checks for ASCII to hand a host as text (see write).
  const TEXT_MAX = tuning.textMax;
  // How sockets get a fresh engine (js/engines.js), and who frees it if never destroyed.
  const { make: makeEngine, watch: watchEngine } = engines ?? {
    make() {
      const engine = new Engine();
      engine.setBatched(true);
      return engine;
    },
    watch() {},
  };
  // What a destroyed socket's queries ask: one destroyed engine, shared (src/engine/socket.rs,
  // destroy(): a destroyed engine answers the same for every socket), so that the socket's own
  // engine is freed at destroy() and the engine still decides what the script reads after it.
  // Not batched: its calls write no batch.
  let dead = null;
  const deadEngine = () => {
    if (dead === null) {
      dead = new Engine();
      dead.destroy();
    }
    return dead;
  };
  // Sockets whose engine was told that the transport resolves names (#chooseResolver): only
  // these need telling otherwise, so a plain socket's connect skips that call.
  const resolving = new WeakSet();
  // A dataAvailable comes as its length, a number: no object per message (js/batch.js).
  const readBatch = createBatchReader(wasm, { textCache: tuning.textCache, dataAvailableAsLength: true });
  // Where the engine puts the JS values it holds for us (src/bindings/shelf.rs): slot 0, the
  // bytes of a read of held stream bytes.
  const shelf = readBatch.shelf;
  const textOf = wasm.textScratch ? createTextReader({ ...wasm, textOfBytes }) : textOfBytes;
  // The one copy of a written view: the host's own kind of bytes when it has one (Node: a
  // Buffer, from its shared pool when small, which net writes without converting).
  const copyBytes = host.copyBytes ?? ((bytes) => bytes.slice());
  const EMPTY = new Uint8Array(0);
  // Every socket's actions, in order (js/actions.js); made once the class can reach #link.
  let actions;
  let deliverTo;

  // What every socket's Link calls (js/link.js), shared by every socket.
  let sink;
  // Every socket's next deadline, one timer for all (js/deadlines.js).
  let deadlines;

  // The end of a host input: its events are delivered now when no script call and no action
  // is running under it (js/dispatch.js); else they wait for the running delivery or a microtask.
  const inputDone = () => { if (!actions.performing) deliverNow(); };

  class Socket extends SocketBase {
    static {
      // One function per input kind: each calls the engine's input of that name (no method
      // looked up by a string), then acts on what follows (#fed). Chunks and the first input of
      // a connection have their own methods (#received, #unsent, #connected).
      sink = {
        resolved: (socket, id, addrs) => { if (!socket.#destroyed) { socket.#engine.resolved(id, addrs); socket.#fed(); } },
        received: (socket, id, data) => socket.#received(id, data),
        receivedFrom: (socket, id, data, ip, port) => { if (!socket.#destroyed) { socket.#engine.received(id, data, ip, port); socket.#fed(); } },
        sent: (socket, id, n) => { if (!socket.#destroyed) { socket.#engine.sent(id, n); socket.#fed(); } },
        unsent: (socket, id, n) => socket.#unsent(id, n),
        peerClosed: (socket, id) => { if (!socket.#destroyed) { socket.#engine.peerClosed(id); socket.#fed(); } },
        closed: (socket, id) => { if (!socket.#destroyed) { socket.#engine.closed(id); socket.#fed(); } },
        flushed: (socket, id) => { if (!socket.#destroyed) { socket.#engine.flushed(id); socket.#fed(); } },
        failed: (socket, id, error) => { if (!socket.#destroyed) { socket.#engine.failed(id, error); socket.#fed(); } },
        wsClosed: (socket, id, code, reason, opened) => { if (!socket.#destroyed) { socket.#engine.wsClosed(id, code, reason, opened); socket.#fed(); } },
        listening: (socket, id, ip, port) => { if (!socket.#destroyed) { socket.#engine.listening(id, ip, port); socket.#fed(); } },
        secure: (socket, id) => { if (!socket.#destroyed) { socket.#engine.secure(id); socket.#fed(); } },
        connected: (socket, id, localIp, localPort, remoteIp, remotePort) => socket.#connected(id, localIp, localPort, remoteIp, remotePort),
        incoming: (socket, ...args) => socket.#incoming(...args),
        defaultProxy: () => Socket.defaultProxy,
      };
      deliverTo = (socket, event) => socket.#deliver(event);
      // Also after destroy(): its abort actions are performed after it returned when a host
      // call destroyed the socket while actions were being performed.
      actions = new Actions((socket, action) => host.perform(action, socket.#link), copyBytes);
      deadlines = createDeadlines(now, (socket) => socket.#deadlinePassed(), (socket, slot) => { socket.#timerSlot = slot; });
    }

    /** The browser host's proxy URL template for sockets made without `options.proxy`. */
    static defaultProxy = '';

    #engine;
    #link;
    // The engine's next deadline as last read (-1: none), and where it waits in `deadlines`
    // (-1: not waiting).
    #timerAt = -1;
    #timerSlot = -1;
    // Whether destroy() ran: the socket's engine is then the shared destroyed one, and the
    // facade skips the work (transports, events) that the engine would refuse anyway.
    #destroyed = false;
    // Incoming connection handling: the socket offered to incomingConnectionEvent right now
    // (the engine keeps the window and whether it was accepted), and where an accept(other)
    // moved it.
    #offering = null;
    #movedTo = null;
    // Whether the engine holds stream bytes of this connection by handle (`receivedHeld`): a
    // read asks it for them first (reads of a socket that never had any skip that call).
    #held = false;

    /** @param {{proxy?: string, connectTimeout?: number, idleTimeout?: number, protocol?: 'tcp'|'udp', signal?: AbortSignal}} [options] */
    constructor(options = undefined, internal = undefined) {
      super();
      // Whether the engine read options: its batch then holds what they queued.
      let configured = false;
      // Only the facade can hand in an engine (an incoming connection's): the key is private.
      if (internal?.[ENGINE]) {
        this.#engine = internal[ENGINE]; // batched, as its listener's
        if (internal.resolving) resolving.add(this); // it inherits the listener's setting
      } else {
        const engine = makeEngine();
        // The engine reads and checks the options (src/bindings/options.rs): a TypeError for a
        // value that is not an object, an unknown option, a wrong type or a refused value.
        try {
          configured = options !== undefined && options !== null; // none: nothing to read
          if (configured) engine.configure(options, now());
          // A host refuses options it cannot honour (Node: a proxy) with a TypeError of its own.
          host.checkOptions?.(options ?? NO_OPTIONS);
        } catch (err) {
          engine.free();
          throw err;
        }
        this.#engine = engine;
        watchEngine(this, engine);
      }
      options ??= NO_OPTIONS;
      this.#link = new Link(sink, this, options);
      // What the options queued, if anything; only after configure() wrote the batch, which
      // otherwise holds the last call's outputs (another socket's).
      if (configured) this.#out();
      watchSignal(this, options.signal); // js/promises.js: an abort destroys the socket
    }

    // ----- overridable event methods (no-ops until a script overrides them) -----
    stateChangedEvent() {}
    hostFoundEvent() {}
    connectedEvent() {}
    connectFailedEvent() {}
    errorEvent() {}
    dataAvailableEvent() {}
    disconnectEvent() {}
    incomingConnectionEvent() {}
    drainEvent() {}
    idleEvent() {}
    secureEvent() {}
    listeningEvent() {}

    // Types that ever had a listener: a DOM event is built and dispatched only for those, since
    // a CustomEvent per dataAvailable costs more than the rest of the receive path. Null until
    // the first listener (most sockets have none: a Set each is memory per connection).
    #listened = null;

    addEventListener(type, listener, options) {
      (this.#listened ??= new Set()).add(String(type));
      super.addEventListener(type, listener, options);
    }

    /** Shorthand for addEventListener; returns the socket. */
    on(type, listener) {
      this.addEventListener(type, listener);
      return this;
    }

    // ----- commands -----

    connect(host, port) {
      if (this.#destroyed) return false;
      // A plain socket (the host connects it itself, refuses nothing for it, and the engine
      // resolves names) skips the checks, three calls into wasm on every connect.
      if (!this.#plain()) {
        const refusal = this.#refusal('connect');
        if (refusal) return this.#engine.refuse(false, refusal); // false, the engine's reason
        this.#chooseResolver();
      }
      // The usual arguments cross as themselves; others as JS values, for the engine's rules.
      const ok = typeof host === 'string' && typeof port === 'number'
        ? this.#engine.connectTo(host, port, now())
        : this.#engine.connect(host, port, now());
      if (ok) {
        this.#held = false; // the engine starts an empty buffer
      }
      this.#out();
      return ok;
    }

    listen(port = 0, iface = '', forceIpv6 = false) {
      if (this.#destroyed) return false;
      const refusal = this.#refusal('listen');
      if (refusal) return this.#engine.refuse(true, refusal); // false, the engine's reason
      const ok = this.#engine.listen(port, iface, Boolean(forceIpv6));
      if (ok) this.#held = false; // the engine starts an empty buffer
      this.#out();
      return ok;
    }

    accept(socket) {
      if (!(socket instanceof Socket)) throw new TypeError(`accept: expected a Socket, got ${describe(socket)}`);
      // The facts only the facade sees (which socket is on offer, which were destroyed); the
      // engine decides: only inside incomingConnectionEvent, and what each refusal says.
      const offered = this.#offering;
      const as = this.#engine.accept(socket === offered, offered !== null && offered.#destroyed, socket.#destroyed);
      if (as === 0) return false;
      if (as === 1) {
        offered.#engine.markAccepted();
        return true;
      }
      if (!socket.#engine.adopt(offered.#engine)) return this.#fail(socket.#engine.lastError());
      socket.#link.adoptFrom(offered.#link);
      socket.#held = offered.#held; // the bytes moved with the engine's buffers
      offered.#movedTo = socket; // its engine, emptied by adopt, counts as accepted
      socket.#out();
      return true;
    }

    write(data, length) {
      // A short ASCII string goes to a host that sends text as it is: its byte count is its
      // length, and no bytes are made for it (an allocation per small write, measured).
      if (typeof data === 'string' && length === undefined && data.length <= TEXT_MAX && isAscii(data)
        && host.sendsText?.(this.#link.options)) return this.#writeText(data);
      if (isBlob(data)) return this.#writeBlob(data, length);
      let bytes = toBytes(data);
      // How many bytes a `length` takes is the engine's (a TypeError for a bad one); a write of
      // nothing, or one the status refuses, is refused by the engine with 0 too.
      if (length !== undefined) {
        const n = Engine.writeLength(bytes.length, length);
        if (n < bytes.length) bytes = bytes.subarray(0, n);
      }
      // TCP: the engine holds the bytes by handle (they are not copied into wasm). The
      // caller's view is copied (a string's or an array's bytes are already ours), so that
      // later changes to it are not sent: the one copy on the way out. A host that borrows
      // gets the view lent.
      const ours = typeof data === 'string' || Array.isArray(data);
      const taken = !ours && host.borrows?.(this.#link) ? this.#lendHeld(bytes) : this.#writeHeld(bytes, !ours);
      if (taken > 0) return taken;
      // Not taken that way (UDP datagrams are written with their bytes, or the status takes
      // no writes and write says so): as bytes.
      const n = this.#engine.write(bytes);
      this.#out();
      return n;
    }

    // A host that borrows may send the caller's view itself within this call (a Wisp DATA
    // packet is framed from it; the WebSocket copies it as it frames it): it is copied only
    // where it is still queued when the call ends (in the engine's queue, or an action still
    // pending here).
    #lendHeld(bytes) {
      if (this.#destroyed) return 0;
      const taken = this.#engine.writeHeld(bytes, bytes.length, true);
      if (taken === 0) return 0;
      actions.lent = bytes;
      try {
        this.#out();
      } finally {
        if (this.#engine.lentQueued()) this.#engine.replaceLent(copyBytes(bytes));
        actions.unlend(bytes); // a send of it left waiting (a host threw) gets a copy too
      }
      return taken;
    }

    #writeText(text) {
      const taken = this.#writeHeld(text, false);
      if (taken > 0) return taken;
      const n = this.#engine.write(toBytes(text)); // a datagram, or a status that takes no writes
      this.#out();
      return n;
    }

    // A TCP write of bytes (or an ASCII string), `copy`: a copy of them, not them. When nothing
    // written earlier waits and the host can hand bytes to its transport within the call
    // (`host.sendNow`), the engine may let them through at once (`letThrough`: one call into
    // wasm, no chunk handed to it and no action for a small write); else it holds them by
    // handle and queues them (a `sendHeld` in their place). Returns the bytes taken; 0 when the engine takes none this way (UDP, or a status
    // that takes no writes).
    #writeHeld(chunk, copy) {
      if (this.#destroyed) return 0;
      const n = chunk.length;
      if (copy) chunk = copyBytes(chunk);
      const through = host.sendNow !== undefined && actions.idle;
      const id = through ? this.#engine.letThrough(n, host.turn()) : 0;
      if (id > 0) {
        this.#out(); // letThrough's batch (a deadline at most) before the host's inputs
        this.#sendNow(id, chunk);
        return n;
      }
      if (this.#engine.writeHeld(chunk, n, false) === 0) return 0;
      this.#out();
      return n;
    }

    // Bytes the engine let through to connection `id`: the host hands them to its transport
    // now and reports what it could not pass on (`unsent`) through the link. A host that cannot
    // on that transport (a Wisp stream's) gets them as an ordinary `send`, counted back as
    // unsent first, which is what the queued form does. As while actions are performed, inputs
    // fed meanwhile deliver no event inside the script's call.
    #sendNow(id, chunk) {
      actions.performing = true;
      try {
        if (!host.sendNow(id, chunk, this.#link)) {
          this.#unsent(id, chunk.length);
          host.perform({ type: 'send', id, data: chunk }, this.#link);
        }
      } finally {
        actions.performing = false;
      }
      actions.run();
    }

    /** A bound UDP socket: one datagram to `ip`:`port` (an IP literal), not to the last sender.
     * Returns the bytes queued; 0 and lastError() when the socket is not bound or the address is
     * not an IP literal and a port 1-65535. */
    writeTo(data, ip, port) {
      const bytes = toBytes(data);
      if (this.#destroyed) return 0;
      const n = this.#engine.writeTo(bytes, ip, port);
      this.#out();
      return n;
    }

    writeHex(hex) {
      if (typeof hex !== 'string') throw new TypeError(`writeHex: expected a string, got ${describe(hex)}`);
      return this.write(hexToBytes(hex)); // hexToBytes throws TypeError for bad hex
    }

    read(length) {
      const held = this.#takeHeld(length, true);
      if (held !== null) return held.length === 0 ? '' : textOf(held);
      if (this.#destroyed) return '';
      return this.#took(this.#engine.read(length));
    }

    readBytes(length) {
      const held = this.#takeHeld(length, false);
      if (held !== null) return plain(held);
      return this.#destroyed ? new Uint8Array(0) : this.#took(this.#engine.readBytes(length));
    }

    readHex(length) {
      const held = this.#takeHeld(length, false);
      if (held !== null) return held.length === 0 ? '' : hexOfBytes(held);
      if (this.#destroyed) return '';
      return this.#took(this.#engine.readHex(length));
    }

    close() {
      if (this.#destroyed) return;
      // A host that lets writes through names its turn: the engine keeps the socket Closing
      // for bytes let through in this one (docs/spec.md, close()).
      this.#engine.close(host.turn?.());
      this.#out();
    }

    destroy() {
      if (this.#destroyed) return;
      this.#engine.destroy();
      this.#out(); // performs the abort actions
      this.#destroyed = true;
      this.#held = false;
      this.#armTimer(-1);
      this.#engine.free();
      this.#engine = deadEngine(); // what status(), lastError(), ... answer from now on
      socketDestroyed(this); // tells js/watch.js followers (promises, streams), since no event will
    }

    // ----- queries and settings -----

    status(asName = false) {
      return asName ? this.#engine.statusName() : this.#engine.status();
    }

    // Queries ask the engine, also after destroy() (the shared destroyed one answers).
    remoteIp() { return this.#engine.remoteIp(); }
    remotePort() { return this.#engine.remotePort(); }
    localIp() { return this.#engine.localIp(); }
    localPort() { return this.#engine.localPort(); }
    bytesAvailable() { return this.#engine.bytesAvailable(); }
    bufferedAmount() { return this.#engine.bufferedAmount(); }
    /** True after a write took bufferedAmount() over the high-water mark, until drainEvent. */
    needsDrain() { return this.#engine.needsDrain(); }
    lastError() { return this.#engine.lastError(); }
    /** The error name of what lastError() says (docs/spec.md's codes), '' while it says nothing. */
    lastErrorCode() { return this.#engine.lastErrorCode(); }
    /** For js/watch.js: the engine, whose answers (isOver, attemptPending, bindDone,
     * overCode) the promise, stream and Direct Sockets layers ask instead of deciding. */
    [ASK]() { return this.#engine; }
    protocol() { return this.#engine.protocol(); }
    connectTimeout() { return this.#engine.connectTimeout(); }

    setProtocol(name) {
      if (this.#destroyed) return false;
      return this.#engine.setProtocol(name);
    }

    setConnectTimeout(ms) {
      if (this.#destroyed) return;
      this.#engine.setConnectTimeout(ms); // throws TypeError unless a positive integer
      this.#out();
    }

    setHighWaterMark(bytes) {
      if (this.#destroyed) return;
      this.#engine.setHighWaterMark(bytes); // throws TypeError unless a positive integer
      this.#out();
    }

    /** Half-close: our FIN after what was written; reading goes on until the peer ends, and
     * later writes return 0. false (and lastError()) unless a Connected TCP socket. */
    end() {
      if (this.#destroyed) return false;
      const ok = this.#engine.end();
      this.#out();
      return ok;
    }

    /** Nagle's algorithm off (true, the default) or on; Node applies it, a browser's tunnel
     * cannot (docs/promises-and-streams.md). Returns the socket. */
    setNoDelay(on = true) {
      if (typeof on !== 'boolean') throw new TypeError(`setNoDelay: expected a boolean, got ${describe(on)}`);
      if (this.#destroyed) return this;
      this.#engine.setNoDelay(on);
      this.#out();
      return this;
    }

    /** TCP keep-alive on or off; probes after `delayMs` of quiet (0: the system's delay).
     * Returns the socket. */
    setKeepAlive(on = true, delayMs = 0) {
      if (typeof on !== 'boolean') throw new TypeError(`setKeepAlive: expected a boolean, got ${describe(on)}`);
      if (this.#destroyed) return this;
      this.#engine.setKeepAlive(on, delayMs); // TypeError unless a whole number of ms from 0
      this.#out();
      return this;
    }

    /** Whether an open connection (or listener) of this socket keeps the process running, as
     * net's ref()/unref(): Node applies it to its net/dgram handles, now and for those opened
     * later; a browser has no such thing and ignores it. Returns the socket (an addition). */
    ref() {
      if (!this.#destroyed) host.setRef?.(this.#link, true);
      return this;
    }

    unref() {
      if (!this.#destroyed) host.setRef?.(this.#link, false);
      return this;
    }

    /** idleEvent() after `ms` without a byte either way while Connected; 0 turns it off. */
    setIdleTimeout(ms) {
      if (this.#destroyed) return;
      this.#engine.setIdleTimeout(ms, now()); // TypeError unless a whole number of ms from 0
      this.#out();
    }

    idleTimeout() { return this.#engine.idleTimeout(); }

    /**
     * STARTTLS: secures the Connected plain TCP connection (docs/spec.md, TLS). True when the
     * upgrade started (`secureEvent` when done; a failure ends the connection with
     * disconnectEvent); false with lastError() when refused. Options as the `tls` option's
     * object form; a wrong one throws TypeError (the engine reads them).
     */
    startTls(options = undefined) {
      if (this.#destroyed) return false; // a destroyed engine keeps its own lastError
      // The engine reads the options (TypeError for bad ones) and hands the host's TLS layer
      // the handshake's, defaults filled in, with its startTls action.
      const ok = this.#engine.startTls(options);
      this.#out();
      return ok;
    }

    /** `{ protocol, cipher, alpn, servername, authorized, authorizationError,
     * peerCertificate }` of the secured connection, else null. */
    tlsInfo() {
      if (this.#destroyed || !this.#engine.isSecure()) return null;
      const info = host.tlsInfo?.(this.#link) ?? null;
      if (info?.authorizationError) info.authorizationError = wasm.errorCodeName(info.authorizationError);
      return info;
    }

    /** For debugging: {status, protocol, remoteIp, remotePort, localIp, localPort,
     * bytesAvailable, bufferedAmount, needsDrain, idleTimeout, lastError} (the engine's
     * snapshot as a plain object); with `destroyed: true` after destroy(). */
    inspect() {
      return this.#engine.inspect();
    }

    /** Past this many unread bytes the host stops reading from the network (default 4 MiB). */
    setReceiveHighWaterMark(bytes) {
      if (this.#destroyed) return;
      this.#engine.setReceiveHighWaterMark(bytes); // throws TypeError unless a positive integer
      this.#out(); // a higher mark may resume a paused receive
    }

    [Symbol.dispose ?? Symbol.for('Symbol.dispose')]() {
      this.destroy();
    }

    // ----- internals -----

    #fail(message) {
      this.#engine.setLastError(message); // a destroyed engine keeps its own
      return false;
    }

    // No refusal and no transport resolving names, for the host and for this engine.
    #plain() {
      return host.plain?.(this.#link.options) === true && !resolving.has(this);
    }

    #refusal(command) {
      return host.refuse ? host.refuse(command, this.#link.options, this.#engine.isUdp() ? 'udp' : 'tcp') : '';
    }

    // The bytes of a read of held stream bytes (a chunk as the network gave it, a view of
    // one, or the parts joined: src/bindings/shelf.rs), or null when there are none or the
    // engine holds the bytes of this read as bytes (a datagram).
    #takeHeld(length, text) {
      if (this.#destroyed || !this.#held) return null;
      // A number (or none) crosses as a number; anything else as itself, for the engine's rule.
      const n = typeof length === 'number' || length === undefined
        ? this.#engine.readHeldNumber(length ?? NaN, text)
        : this.#engine.readHeld(length, text);
      if (n < 0) return null;
      const bytes = n === 0 ? EMPTY : shelf[0];
      shelf[0] = undefined;
      this.#out(); // reading may resume a paused receive
      return bytes;
    }

    // A host whose transport resolves names for some options (a Wisp server, in Node) says so
    // per connect: the engine then skips HostLookUp and hands the name on.
    #chooseResolver() {
      if (!host.resolvesNames) return;
      const on = host.resolvesNames(this.#link.options);
      if (!on && !resolving.has(this)) return; // engines start with it off
      this.#engine.setTransportResolvesNames(on);
      if (on) resolving.add(this);
      else resolving.delete(this);
    }

    // What a read of bytes the engine holds returned, once its batch is acted on.
    #took(out) {
      this.#out(); // reading may resume a paused receive
      return out;
    }

    // A Blob's bytes arrive later: the engine keeps their place in the output (later writes
    // wait behind them, close() flushes them) and gets them when the read completes.
    #writeBlob(blob, length) {
      const size = length === undefined ? blob.size : Engine.writeLength(blob.size, length);
      const slot = this.#engine.reserve(size);
      this.#out();
      if (slot === undefined) return 0;
      (size < blob.size ? blob.slice(0, size) : blob).arrayBuffer().then(
        (buffer) => this.#fill(slot, new Uint8Array(buffer)),
        (err) => {
          if (this.#destroyed) return;
          this.#engine.fillFailed(slot, String(err?.message ?? err)); // what now: the engine's
          this.#fed();
        },
      );
      return size;
    }

    // The end of an input (or a Blob's fill, a deadline): act on what the engine made of it.
    #fed() {
      this.#out();
      inputDone();
    }

    // Stream bytes (no sender): held by the engine as they came when it takes them so;
    // otherwise (a UDP socket, or input the engine refuses) fed as bytes, for it to decide.
    #received(id, data) {
      if (this.#destroyed) return;
      if (data.length > 0 && this.#engine.receivedHeld(id, data, data.length, tailOf(data))) {
        this.#held = true;
      } else {
        this.#engine.received(id, data);
      }
      this.#out();
      inputDone();
    }

    #connected(id, localIp, localPort, remoteIp, remotePort) {
      if (this.#destroyed) return;
      this.#engine.connected(id, localIp, localPort, remoteIp, remotePort);
      this.#out();
      inputDone();
    }

    // A Blob's bytes, read: the engine sends them in their place.
    #fill(slot, bytes) {
      if (this.#destroyed) return;
      this.#engine.fill(slot, bytes);
      this.#fed();
    }

    #unsent(id, n) {
      if (this.#destroyed) return;
      this.#engine.unsent(id, n);
      this.#out();
      inputDone();
    }

    #incoming(id, localIp, localPort, remoteIp, remotePort) {
      if (this.#destroyed) return null;
      const engine = this.#engine.incoming(id, localIp, localPort, remoteIp, remotePort);
      if (!engine) return null;
      // The listener's proxy option, not its other options (a signal, timeouts).
      const given = this.#link.given.proxy === undefined ? NO_OPTIONS : { proxy: this.#link.given.proxy };
      const child = new Socket(given, { [ENGINE]: engine, resolving: resolving.has(this) });
      (this.#pendingChildren ??= []).push(child);
      this.#out();
      return { link: child.#link, id: engine.currentId() };
    }

    #pendingChildren = null; // made by the first incoming connection

    // Reads the batch the engine wrote in the call just made: queues its events, re-arms the
    // connect timer, then performs its actions. Hosts may feed inputs back synchronously while
    // performing; their actions wait behind the ones already waiting (js/actions.js).
    #out() {
      if (this.#destroyed) return;
      const { events, actions: batch, eventCount, actionCount, deadline } = readBatch();
      for (let i = 0; i < eventCount; i++) {
        const event = events[i];
        if (typeof event !== 'number' && event.type === 'incomingConnection') event.socket = this.#pendingChildren.shift();
        enqueue(deliverTo, this, event);
      }
      if (deadline !== this.#timerAt) this.#armTimer(deadline);
      if (actionCount === 0) return;
      for (let i = 0; i < actionCount; i++) actions.add(this, batch[i]);
      actions.run();
    }


    #deliver(event) {
      const target = this.#movedTo ?? this;
      if (target !== this) return target.#deliver(event);
      if (this.#destroyed) return;
      // The common case, called directly (no table lookups by the event's type): a
      // dataAvailable (its length) to a socket without listeners (its method has no older name).
      if (typeof event === 'number') {
        if (this.#listened !== null) return this.#callHandlers({ type: 'dataAvailable', length: event });
        const fn = this.dataAvailableEvent;
        if (typeof fn === 'function') fn.call(this, event);
        return;
      }
      // Delivery comes a microtask after the engine queued the drain: if the connection ended
      // (or close() was called) in between, the engine says no drain is due any more.
      if (event.type === 'drain' && !this.#engine.drainDue()) return;
      if (event.type === 'incomingConnection') return this.#offer(event);
      this.#callHandlers(event);
    }

    // The method, the older name, then the DOM event: a handler that throws does not keep the
    // others from being called; its error is rethrown once they ran (dispatch reports it).
    #callHandlers(event) {
      const spec = EVENTS[event.type];
      let failure = null;
      try {
        this.#callMethod(spec.method, spec, event);
      } catch (err) {
        failure = { err };
      }
      if (spec.older) {
        try {
          this.#callMethod(spec.older, spec, event);
        } catch (err) {
          failure ??= { err };
        }
      }
      if (!this.#destroyed && this.#listened?.has(event.type)) {
        this.dispatchEvent(new CustomEvent(event.type, { detail: spec.detail(event) }));
      }
      if (failure) throw failure.err;
    }

    #callMethod(name, spec, event) {
      if (this.#destroyed) return;
      const fn = this[name];
      if (typeof fn === 'function') spec.call(fn, this, event);
    }

    // incomingConnectionEvent: the script may accept the socket (or move it to another) while
    // the handler runs; otherwise it is closed gracefully, flushing what the handler wrote
    // (the engine's rules: offerOpen/offerClose, offerUnaccepted).
    #offer(event) {
      const child = event.socket;
      this.#offering = child;
      this.#engine.offerOpen();
      try {
        this.#callHandlers(event);
      } finally {
        this.#offering = null;
        this.#engine.offerClose(); // the shared destroyed one if the handler destroyed this
        if (child.#engine.offerUnaccepted()) child.close();
        // Accepted as itself: what its engine was born with (inherited options, the idle
        // deadline) is read now; accept(other) read it through adopt's batch, close() through its own.
        else if (child.#movedTo === null && !child.#destroyed) {
          child.#engine.flush();
          child.#out();
        }
      }
    }

    // Waits for the engine's deadline `at` in place of the one before (-1: none).
    #armTimer(at) {
      if (this.#timerSlot >= 0) deadlines.remove(this.#timerSlot);
      this.#timerAt = at;
      if (at >= 0) deadlines.add(this, at);
    }

    // The deadline passed (or one the engine has since moved: it decides what is due).
    #deadlinePassed() {
      if (this.#timerSlot < 0) this.#timerAt = -1; // a wait set since then stays
      if (this.#destroyed) return;
      this.#engine.timeout(now());
      this.#fed();
    }
  }
  installPromises(Socket); // connected(), listening(), for await, once/off, Socket.connect/listen
  return Socket;
}
