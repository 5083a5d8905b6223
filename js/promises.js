// Promises, async iteration, once/off and an AbortSignal on Socket, beside KVIrc's events and
// built on the socket's public behaviour. `connect()` keeps its boolean; `connected()` is the
// promise of its outcome, and `Socket.connect(host, port, options)` does both at once.
//
//   const sock = await Socket.connect('127.0.0.1', 7000, { signal: AbortSignal.timeout(5000) });
//   sock.write('hello\n');
//   for await (const chunk of sock) console.log(chunk);   // Uint8Array chunks until the end

import { describe } from './bytes.js';
import { STATUS } from './status.js';
import { SocketError, Watcher, isConnecting, isLive, onDestroy } from './watch.js';

const isListening = (status) => status === STATUS.Bound || status === STATUS.Listening;

// The abort reason of a socket whose signal fired, kept so that later promises reject with it.
const abortReasons = new WeakMap();

const notLive = (sock, what) => new SocketError(
  `${what}: the socket is ${sock.status(true)}${sock.lastError() ? ` (last error: ${sock.lastError()})` : ''}`,
  'UnknownSocket',
);

/** Follows `sock` until `settle` returns a result: resolves with `result.value`, rejects with
 * `result.error`. An abort, a destroy or the end of the connection also settle it. */
function until(sock, what, events) {
  const aborted = abortReasons.get(sock);
  if (aborted !== undefined) return Promise.reject(aborted);
  return new Promise((resolve, reject) => {
    const listeners = [];
    const watcher = new Watcher(sock, {
      end: (failure) => done({ error: failure ?? abortReasons.get(sock) ?? notLive(sock, what) }),
    });
    const done = (result) => {
      watcher.stop();
      for (const [type, fn] of listeners) sock.removeEventListener(type, fn);
      if ('error' in result) reject(result.error);
      else resolve(result.value);
    };
    for (const [type, decide] of Object.entries(events)) {
      const fn = (e) => {
        const result = decide(e);
        if (result) done(result);
      };
      listeners.push([type, fn]);
      sock.addEventListener(type, fn);
    }
  });
}

/** Resolves with the socket once it is Connected; rejects with a SocketError (its `code` is
 * KVIrc's, e.g. ConnectionRefused) when the attempt fails, or when no attempt is under way. */
function connected() {
  const status = this.status();
  if (status === STATUS.Connected) return Promise.resolve(this);
  if (!isConnecting(status)) return Promise.reject(abortReasons.get(this) ?? notLive(this, 'connected()'));
  return until(this, 'connected()', {
    connected: () => ({ value: this }),
    connectFailed: (e) => ({ error: new SocketError(e.detail.reason, e.detail.code) }),
  });
}

/** Resolves with {ip, port} once `listen()`'s bind completed (Listening or Bound, localPort()
 * known); rejects when the bind failed (AddressInUse) or nothing is listening. */
function listening() {
  const status = this.status();
  if (isListening(status) && this.localPort() !== 0) return Promise.resolve({ ip: this.localIp(), port: this.localPort() });
  if (!isListening(status)) return Promise.reject(abortReasons.get(this) ?? notLive(this, 'listening()'));
  return until(this, 'listening()', {
    listening: (e) => ({ value: { ip: e.detail.ip, port: e.detail.port } }),
    error: (e) => ({ error: new SocketError(e.detail.message, e.detail.code) }),
  });
}

/** `for await (const chunk of socket)`: each chunk is what readBytes() returns (for UDP, one
 * datagram). Ends after the last bytes of a clean end (or a close()); throws the SocketError of a
 * broken connection, or the signal's reason after an abort. Bytes are taken from the engine only
 * when the loop asks, so a slow loop pauses the peer at the receive high-water mark. */
async function* chunks() {
  let wake = null;
  const notify = () => { const w = wake; wake = null; w?.(); };
  const watcher = new Watcher(this, { data: notify, end: notify });
  try {
    for (;;) {
      if (this.bytesAvailable() > 0) {
        yield this.readBytes();
        continue;
      }
      if (watcher.ended || !isLive(this)) {
        const failure = watcher.failure ?? abortReasons.get(this);
        if (failure) throw failure;
        return;
      }
      await new Promise((resolve) => { wake = resolve; });
    }
  } finally {
    watcher.stop();
  }
}

function once(type, listener) {
  this.addEventListener(type, listener, { once: true });
  return this;
}

function off(type, listener) {
  this.removeEventListener(type, listener);
  return this;
}

/** Checks `options.signal` and destroys `sock` when it aborts (now, if it already has). */
export function watchSignal(sock, signal) {
  if (signal === undefined) return;
  if (signal === null || typeof signal !== 'object' || typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function') {
    throw new TypeError(`Socket: options.signal must be an AbortSignal, got ${describe(signal)}`);
  }
  const abort = () => {
    abortReasons.set(sock, signal.reason ?? new DOMException('The operation was aborted', 'AbortError'));
    sock.destroy();
  };
  if (signal.aborted) return abort();
  signal.addEventListener('abort', abort, { once: true });
  // Forget the socket once it is gone, so a long-lived signal does not keep it.
  onDestroy(sock, () => signal.removeEventListener('abort', abort));
}

/** Adds the promise API to a Socket class (both hosts). */
export function installPromises(Socket) {
  const methods = { connected, listening, once, off, [Symbol.asyncIterator]: chunks };
  for (const key of Reflect.ownKeys(methods)) {
    Object.defineProperty(Socket.prototype, key, { value: methods[key], writable: true, configurable: true });
  }

  /** A new socket (`options` as the constructor's, plus `signal`), connected: resolves once
   * Connected; rejects (and destroys the socket) when connect() refuses, the attempt fails or the
   * signal aborts. */
  Socket.connect = async function connect(host, port, options = undefined) {
    const sock = new this(options);
    try {
      if (!sock.connect(host, port)) throw abortReasons.get(sock) ?? new SocketError(sock.lastError(), 'UnknownSocket');
      return await sock.connected();
    } catch (err) {
      sock.destroy();
      throw err;
    }
  };

  /** A new socket listening on `port` / `iface` (`options.forceIpv6`, and the constructor's
   * options): resolves once the bind completed, with the socket. */
  Socket.listen = async function listen(port = 0, iface = '', options = undefined) {
    // forceIpv6 is listen()'s argument, not a constructor option (which refuses unknown ones).
    const { forceIpv6, ...given } = options !== null && typeof options === 'object' ? options : {};
    const sock = new this(options !== null && typeof options === 'object' ? given : options);
    try {
      if (!sock.listen(port, iface, Boolean(forceIpv6))) {
        throw abortReasons.get(sock) ?? new SocketError(sock.lastError(), 'UnknownSocket');
      }
      await sock.listening();
      return sock;
    } catch (err) {
      sock.destroy();
      throw err;
    }
  };
}

export { SocketError };
