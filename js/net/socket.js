// kvsocket/net's Socket: the part of Node's net.Socket that clients use (pg, ioredis, mqtt,
// irc-framework, node:http's agents), as a stream.Duplex over kvsocket's public Socket API. It
// keeps no bytes of its own, so the engine's high-water marks pace both ways (docs/net.md):
// - write side: a chunk goes to socket.write() at once (while Connecting the engine queues it);
//   its callback waits for the drain while needsDrain() says the write went over the socket's
//   mark, so write() returns false there and a writer that honours it stops;
// - read side: bytes stay in the engine until the stream asks (_read), at most
//   readableHighWaterMark bytes per ask, so a full stream leaves them there and the engine pauses
//   the network at its receive mark.
// The stream classes come from the caller (createNet): node:stream in Node.

import { STATUS } from '../status.js';
import { Watcher, isConnecting, isLive, settled } from '../watch.js';
import { describe } from '../bytes.js';
import { netError, fromFailure, writeAfterEnd, socketClosed, abortError } from './errors.js';
import { isIP } from './ip.js';

// The key under which toDuplex hands in an existing kvsocket Socket (not an option a script
// can pass: the symbol is private to kvsocket).
export const WRAP = Symbol('kvsocket/net wrap');
// kvsocket/tls's keys (js/net/tls.js): KV_OPTIONS hands options (tls) to the kvsocket Socket a
// Socket makes; DETACH makes a Socket let go of its kvsocket Socket for a STARTTLS upgrade.
export const KV_OPTIONS = Symbol('kvsocket/net kv options');
export const DETACH = Symbol('kvsocket/net detach');

// What each entry point takes. An option in none of these lists is a TypeError naming it
// (docs/net.md, Options): a misspelled or unsupported option never passes silently.
const KVSOCKET_OPTIONS = ['proxy', 'connectTimeout']; // to kvsocket's Socket
export const STREAM_OPTIONS = ['highWaterMark', 'readableHighWaterMark', 'writableHighWaterMark'];
export const SOCKET_OPTIONS = [...KVSOCKET_OPTIONS, ...STREAM_OPTIONS, 'allowHalfOpen', 'signal', 'noDelay', 'keepAlive', 'keepAliveInitialDelay'];
export const CONNECT_OPTIONS = ['port', 'host', 'family', 'timeout', 'noDelay', 'keepAlive', 'keepAliveInitialDelay'];
const LOCAL_END = ['localAddress', 'localPort'];
// Node's options that have no meaning over kvsocket: refused with the reason, unless undefined
// (clients pass `localAddress: undefined` when they have none).
const UNSUPPORTED = {
  fd: 'kvsocket/net opens its own connections; it cannot adopt a file descriptor',
  onread: 'bytes are read from the engine, not into a buffer of the caller',
  blockList: 'kvsocket-proxy\'s --allow rules are where destinations are filtered',
  readable: 'only meaningful with fd',
  writable: 'only meaningful with fd',
  path: 'IPC (a Unix socket path) is not supported: TCP only',
  lookup: 'the engine looks host names up itself (dns.lookup in Node, the proxy in a page)',
  hints: 'the engine looks host names up itself',
  autoSelectFamily: 'the engine dials the first address the lookup gives',
  autoSelectFamilyAttemptTimeout: 'the engine dials the first address the lookup gives',
  localAddress: 'binding the local end of an outgoing connection is not supported',
  localPort: 'binding the local end of an outgoing connection is not supported',
};

function checkOptions(options, allowed, where) {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    const value = options[key];
    // Left out, or (the local end) given as null by a client that has none.
    if (value === undefined || (value === null && LOCAL_END.includes(key))) continue;
    if (allowed.includes(key)) continue;
    if (key in UNSUPPORTED) throw new TypeError(`${where}: option ${key} is not supported by kvsocket/net: ${UNSUPPORTED[key]}`);
    throw new TypeError(`${where}: unknown option ${key}; kvsocket/net takes ${[...new Set(allowed)].join(', ')} (docs/net.md)`);
  }
  if (options.allowHalfOpen !== undefined && options.allowHalfOpen !== false) {
    throw new TypeError(`${where}: allowHalfOpen must be false (the default): kvsocket ends the connection when the peer half-closes (docs/spec.md)`);
  }
  if (options.family !== undefined && options.family !== null && ![0, 4, 6].includes(options.family)) {
    throw new TypeError(`${where}: family must be 0, 4 or 6, got ${describe(options.family)}`);
  }
}

// node:http's Agent hands its createConnection the request's and the agent's options in one
// bag (agent, _agentKey, maxSockets, servername, path: null, …), which node:net takes by picking
// its own keys. Such a bag (it carries `agent`) is read the same way here, so that
// `agent.createConnection = net.createConnection` works (docs/net.md); net's options without a
// meaning here are still refused, and a null counts as not given.
function fromAgent(options) {
  const out = {};
  for (const key of Object.keys(options)) {
    const value = options[key];
    if (value === null || value === undefined) continue;
    if (SOCKET_OPTIONS.includes(key) || CONNECT_OPTIONS.includes(key) || key in UNSUPPORTED) out[key] = value;
  }
  return out;
}

const pick = (options, keys) => {
  const out = {};
  for (const key of keys) if (options[key] !== undefined) out[key] = options[key];
  return out;
};

/** Node's argument forms of connect/createConnection: (options[, cb]), (port[, host][, cb]). */
export function connectArgs(args, where) {
  const cb = typeof args[args.length - 1] === 'function' ? args[args.length - 1] : undefined;
  const first = args[0];
  if (first !== null && typeof first === 'object') return [first, cb];
  if (typeof first === 'string' && !/^\s*\d+\s*$/.test(first)) {
    throw new TypeError(`${where}: ${UNSUPPORTED.path} (got the path ${describe(first)})`);
  }
  return [{ port: first, host: typeof args[1] === 'string' ? args[1] : undefined }, cb];
}

// Node accepts a port as a number or a string of digits; the engine then judges the range.
function portOf(port, where) {
  if (typeof port === 'string' && /^\s*\d+\s*$/.test(port)) return Number(port);
  if (typeof port === 'number') return port;
  const err = new TypeError(`${where}: options.port must be a number or a string of digits, got ${describe(port)}`);
  err.code = port === undefined ? 'ERR_MISSING_ARGS' : 'ERR_INVALID_ARG_TYPE';
  throw err;
}

// A write's callback when the socket took it (see #send): net calls it from process.nextTick.
const tick = globalThis.process?.nextTick ?? queueMicrotask;

// net emits 'close' from libuv's close callbacks, after the turn's I/O: setImmediate's phase.
const later = globalThis.setImmediate ?? ((fn) => setTimeout(fn, 0));

const familyName = (ip) => ({ 4: 'IPv4', 6: 'IPv6' }[isIP(ip)]);

/**
 * Makes kvsocket/net for one host: `Duplex` is the stream class (node:stream's in Node),
 * `KvSocket` kvsocket's Socket class, `errnoOf(code)` the platform's errno for a Node code
 * (Node: os.constants.errno, negated as net's; none elsewhere). Returns { Socket,
 * createConnection, toDuplex }.
 */
export function createNet({ Duplex, KvSocket, errnoOf = () => undefined }) {
  const withErrno = (err) => {
    const errno = errnoOf(err.code);
    if (errno !== undefined) err.errno = errno;
    return err;
  };

  class Socket extends Duplex {
    #kv;
    #owned; // the kvsocket Socket was made here (not handed to toDuplex)
    #watcher = null; // follows the connection from connect() on (js/watch.js)
    #wanted = false; // the stream asked for data and was given none since
    #buffered = 0; // what the engine holds, as far as we know (see #pull)
    #drained = null; // the write callback waiting for the engine's drain
    #host = '';
    #port = 0;
    #wasUp = false;
    #peer = null; // addresses read once connected, kept after the end as net keeps them
    #local = null;
    #bytesRead = 0;
    #bytesWritten = 0;
    #unhook; // stops hearing the kvsocket Socket's events (DETACH)
    #detached = false;

    /** `options`: see docs/net.md (Node's allowHalfOpen: false, signal, noDelay, keepAlive,
     * keepAliveInitialDelay, the stream's high-water marks; kvsocket's proxy, connectTimeout). */
    constructor(options = undefined, internal = undefined) {
      options ??= {};
      const wrapped = internal?.[WRAP];
      const where = wrapped ? 'toDuplex' : 'net.Socket';
      checkOptions(options, wrapped ? SOCKET_OPTIONS.filter((k) => !KVSOCKET_OPTIONS.includes(k)) : SOCKET_OPTIONS, where);
      // net's own choices: the writable side ends when the readable one does (the peer ended),
      // and 'close' is emitted here, with hadError (see _destroy).
      super({ ...pick(options, STREAM_OPTIONS), allowHalfOpen: false, emitClose: false, decodeStrings: true });
      const kv = wrapped ?? new KvSocket({ ...pick(options, KVSOCKET_OPTIONS), ...internal?.[KV_OPTIONS] });
      this.#kv = kv;
      this.#owned = !wrapped;
      if (wrapped) this.#buffered = Infinity;
      if (options.noDelay !== undefined) this.setNoDelay(options.noDelay);
      if (options.keepAlive !== undefined) this.setKeepAlive(options.keepAlive, options.keepAliveInitialDelay);
      const onIdle = () => this.emit('timeout');
      const onHostFound = () => {
        const ip = kv.remoteIp();
        this.emit('lookup', null, ip, isIP(ip), this.#host);
      };
      // A socket made here is heard through its event methods (no DOM event is built for a
      // method); one handed to toDuplex through listeners, leaving its methods to the script.
      this.#unhook = () => {
        if (this.#owned) {
          delete kv.idleEvent;
          delete kv.hostFoundEvent;
          delete kv.dataAvailableEvent;
        } else {
          kv.removeEventListener('idle', onIdle);
          kv.removeEventListener('hostFound', onHostFound);
        }
      };
      if (this.#owned) {
        kv.idleEvent = onIdle;
        kv.hostFoundEvent = onHostFound;
        kv.dataAvailableEvent = (length) => {
          this.#buffered = length;
          if (this.#wanted) this.#pull();
        };
      } else {
        kv.addEventListener('idle', onIdle);
        kv.addEventListener('hostFound', onHostFound);
      }
      if (options.signal !== undefined) this.#watchSignal(options.signal, where);
      if (wrapped) {
        this.#host = wrapped.remoteIp();
        this.#port = wrapped.remotePort();
        this.#wasUp = wrapped.status() === STATUS.Connected;
        this.#follow();
      }
    }

    /** connect(port[, host][, listener]) or connect(options[, listener]); host defaults to
     * 'localhost'. Returns the socket; failures come as 'error' (Node's code, KVIrc's name). */
    connect(...args) {
      const [options, listener] = connectArgs(args, 'connect');
      checkOptions(options, CONNECT_OPTIONS, 'connect');
      if (this.destroyed) throw socketClosed('connect() on a destroyed socket');
      if (this.#watcher !== null && !this.#watcher.ended) {
        const err = new Error('connect: the socket is already connecting or connected');
        err.code = 'ERR_SOCKET_CONNECTING';
        throw err;
      }
      const port = portOf(options.port, 'connect');
      const host = options.host ?? 'localhost';
      if (typeof host !== 'string') throw new TypeError(`connect: options.host must be a string, got ${describe(host)}`);
      if (options.noDelay !== undefined) this.setNoDelay(options.noDelay);
      if (options.keepAlive !== undefined) this.setKeepAlive(options.keepAlive, options.keepAliveInitialDelay);
      if (options.timeout !== undefined) this.setTimeout(options.timeout);
      if (listener) this.once('connect', listener);
      this.#host = host;
      this.#port = port;
      if (!this.#kv.connect(host, port)) {
        // The engine refused the address (its rule: docs/spec.md); reported as net reports a
        // failed connect, in an 'error' after this call returned.
        this.destroy(netError(`connect: ${this.#kv.lastError()}`, 'ERR_INVALID_ARG_VALUE', this.#kv.lastErrorCode(), { syscall: 'connect' }));
        return this;
      }
      this.#follow();
      return this;
    }

    #follow() {
      this.#watcher = new Watcher(this.#kv, {
        open: () => {
          this.#wasUp = true;
          this.#addresses(); // kept for errors and for after the end, as net keeps them
          this.emit('connect');
          this.emit('ready');
        },
        // (A socket handed to toDuplex: #buffered stays unknown, Infinity.)
        data: this.#owned ? undefined : () => { if (this.#wanted) this.#pull(); },
        drain: () => { const cb = this.#drained; this.#drained = null; cb?.(); },
        end: (failure) => {
          const err = failure ? this.#netError(failure) : null;
          const cb = this.#drained;
          this.#drained = null;
          cb?.(err ?? withErrno(writeAfterEnd('the connection ended before the write drained')));
          if (err) return this.destroy(err);
          this.#buffered = Infinity; // read to the end
          this.#pull();
        },
      });
    }

    #netError(failure) {
      if (failure.name === 'AbortError') return failure;
      return withErrno(fromFailure(failure, { connected: this.#wasUp, address: this.#wasUp ? this.remoteAddress : this.#host, port: this.#port }));
    }

    // Hands the stream what the engine holds, as long as it wants more; ends it after the last
    // bytes of a connection that ended. `#buffered` is what the engine holds as far as we know:
    // a dataAvailable's length (each arrival brings one), less what was read since; so a read
    // that took it all needs no second call to find the buffer empty, and the stream's
    // read-ahead (_read once a chunk is pushed) none to find nothing there.
    #pull() {
      const kv = this.#kv;
      while (this.#wanted && this.#buffered > 0) {
        const chunk = kv.readBytes(Math.min(this.#buffered, this.readableHighWaterMark));
        if (chunk.length === 0) {
          if (this.#owned) this.#buffered = 0;
          break;
        }
        this.#buffered -= chunk.length;
        this.#bytesRead += chunk.length;
        this.#wanted = this.push(chunk);
      }
      if (this.#wanted && this.#watcher?.ended && kv.bytesAvailable() === 0) {
        this.#wanted = false;
        this.push(null);
      }
    }

    #watchSignal(signal, where) {
      if (signal === null || typeof signal !== 'object' || typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function') {
        throw new TypeError(`${where}: options.signal must be an AbortSignal, got ${describe(signal)}`);
      }
      const abort = () => this.destroy(abortError(signal.reason));
      if (signal.aborted) return abort();
      signal.addEventListener('abort', abort, { once: true });
      this.once('close', () => signal.removeEventListener('abort', abort));
    }

    _read() {
      if (this.#detached) return; // the bytes go to the TLS stream now
      this.#wanted = true;
      if (this.#buffered > 0 || this.#watcher?.ended) this.#pull();
    }

    _write(chunk, _encoding, callback) {
      this.#send(chunk, chunk.length, callback);
    }

    // Writes made while an earlier one's callback is pending come here together: one socket
    // write (kvsocket's write takes an Array of views), so a client that writes a command per
    // call (ioredis, pg) makes one send per batch, as net's writev does.
    _writev(entries, callback) {
      let total = 0;
      const chunks = entries.map(({ chunk }) => { total += chunk.length; return chunk; });
      this.#send(chunks, total, callback);
    }

    #send(data, length, callback) {
      const kv = this.#kv;
      const watcher = this.#watcher;
      if (watcher === null) return callback(socketClosed('write before connect()'));
      // The engine refuses a write its status does not take (0 bytes): the connection ended.
      const n = watcher.ended ? 0 : kv.write(data);
      if (n < length) {
        if (watcher.failure) return callback(this.#netError(watcher.failure));
        return callback(withErrno(writeAfterEnd(isLive(kv) ? kv.lastError() : `the socket is ${kv.status(true)}`)));
      }
      this.#bytesWritten += n;
      // Over the mark: the callback waits for the drain. A write below the stream's mark is
      // called back a tick later, as net's writes are, so that the writes made until then are
      // batched (_writev) while write() still returns true; a larger one at once, so that
      // write() returns false only when the socket is over its mark (docs/net.md).
      // (After a TLS upgrade this stream hears no drain: its writes are called back a tick later.)
      if (kv.needsDrain() && !this.#detached) this.#drained = callback;
      else if (length < this.writableHighWaterMark) tick(callback);
      else callback();
    }

    // The end of our output is a half-close (the engine's end()): our FIN after what was
    // written, the readable side going on until the peer ends. A socket that cannot half-close
    // (not connected) flushes and closes instead, and 'finish' waits for that.
    _final(callback) {
      const kv = this.#kv;
      if (kv.end() || this.#watcher === null) return callback();
      kv.close();
      settled(kv).then(() => callback());
    }

    _destroy(err, callback) {
      this.#watcher?.stop();
      this.#kv.destroy();
      callback(err);
      // After the 'error' that destroy() queued, in a later turn as net's (from its handle's
      // close callback): hadError.
      later(() => this.emit('close', err != null));
    }

    // kvsocket/tls's upgrade (tls.connect({ socket })): this stream hands its kvsocket Socket
    // over. The plaintext the engine still holds is pushed into this stream first (it arrived
    // before the upgrade: it stays with the old stream, as node:tls leaves it), then this stream
    // stops following the socket: no more data, end, error or close from it until the new
    // stream closes, when it closes too (release()). Returns { kv, wasUp, host, port }.
    [DETACH]() {
      const kv = this.#kv;
      this.#watcher?.stop();
      this.#unhook();
      for (let n = kv.bytesAvailable(); n > 0; n = kv.bytesAvailable()) {
        const chunk = kv.readBytes(n);
        if (chunk.length === 0) break;
        this.#bytesRead += chunk.length;
        this.push(chunk);
      }
      // A write waiting for the drain was taken by the engine: it goes out (encrypted, after the
      // handshake) with the new stream's, so its callback is due now, not never.
      const cb = this.#drained;
      this.#drained = null;
      cb?.();
      this.#detached = true;
      this.#wanted = false;
      this.#buffered = 0;
      return { kv, host: this.#host, port: this.#port };
    }

    // ----- net.Socket's methods -----

    /** Nagle's algorithm off (true, kvsocket's default) or on. */
    setNoDelay(noDelay = true) {
      this.#kv.setNoDelay(Boolean(noDelay));
      return this;
    }

    /** TCP keep-alive probes after `initialDelay` ms of quiet (0: the system's delay). */
    setKeepAlive(enable = false, initialDelay = 0) {
      const delay = Number(initialDelay);
      this.#kv.setKeepAlive(Boolean(enable), Number.isFinite(delay) && delay > 0 ? Math.floor(delay) : 0);
      return this;
    }

    /** 'timeout' after `ms` without a byte either way while connected (the engine's idle
     * timeout); the connection stays open. 0 turns it off. */
    setTimeout(ms, listener) {
      this.#kv.setIdleTimeout(ms);
      if (listener) {
        if (ms === 0) this.removeListener('timeout', listener);
        else this.once('timeout', listener);
      }
      return this;
    }

    /** Whether the process may exit while this socket is open: see docs/net.md. */
    ref() {
      this.#kv.ref();
      return this;
    }

    unref() {
      this.#kv.unref();
      return this;
    }

    /** end(), then destroy() once the output is flushed. */
    destroySoon() {
      if (this.writable) this.end();
      if (this.writableFinished) this.destroy();
      else this.once('finish', () => this.destroy());
    }

    /** {address, family, port} of our end once connected, else {}. */
    address() {
      const local = this.#addresses()?.local;
      return local ? { address: local.address, family: familyName(local.address), port: local.port } : {};
    }

    // ----- net.Socket's properties -----

    /** The kvsocket Socket under this stream. */
    get socket() { return this.#kv; }
    get connecting() { return this.#watcher !== null && !this.#watcher.ended && isConnecting(this.#kv); }
    get pending() { return !this.#live(); }
    get readyState() {
      if (this.connecting) return 'opening';
      if (this.readable && this.writable) return 'open';
      if (this.readable) return 'readOnly';
      if (this.writable) return 'writeOnly';
      return 'closed';
    }
    get remoteAddress() { return this.#addresses()?.peer.address; }
    get remotePort() { return this.#addresses()?.peer.port; }
    get remoteFamily() { const ip = this.remoteAddress; return ip && familyName(ip); }
    get localAddress() { return this.#addresses()?.local.address; }
    get localPort() { return this.#addresses()?.local.port; }
    get localFamily() { const ip = this.localAddress; return ip && familyName(ip); }
    get bytesRead() { return this.#bytesRead; }
    get bytesWritten() { return this.#bytesWritten; }
    get timeout() { const ms = this.#kv.idleTimeout(); return ms > 0 ? ms : undefined; }

    #live() {
      const status = this.#kv.status();
      return status === STATUS.Connected || status === STATUS.Closing;
    }

    // The addresses of the connection, read once it is up and kept after it ended (net keeps
    // them too); undefined before.
    #addresses() {
      if (this.#peer === null && this.#live()) {
        const kv = this.#kv;
        this.#peer = { address: kv.remoteIp(), port: kv.remotePort() };
        this.#local = { address: kv.localIp() || undefined, port: kv.localPort() || undefined };
      }
      return this.#peer === null ? undefined : { peer: this.#peer, local: this.#local };
    }
  }

  /** net.createConnection(port[, host][, listener]) / (options[, listener]): a new Socket
   * (the constructor's options) connecting (connect's options). */
  function createConnection(...args) {
    let [options, listener] = connectArgs(args, 'createConnection');
    if (options !== null && typeof options === 'object' && options.agent != null) options = fromAgent(options);
    checkOptions(options, [...SOCKET_OPTIONS, ...CONNECT_OPTIONS], 'createConnection');
    const socket = new Socket(pick(options, SOCKET_OPTIONS.filter((k) => !CONNECT_OPTIONS.includes(k))));
    return listener ? socket.connect(pick(options, CONNECT_OPTIONS), listener) : socket.connect(pick(options, CONNECT_OPTIONS));
  }

  /** sock.toDuplex(options): a Socket of this module over an existing kvsocket Socket. */
  function toDuplex(socket, options = undefined) {
    if (!(socket instanceof KvSocket)) throw new TypeError(`toDuplex: expected a Socket, got ${describe(socket)}`);
    return new Socket(options, { [WRAP]: socket });
  }

  return { Socket, createConnection, toDuplex };
}
