// Promises, async iteration, once/off and an AbortSignal on Socket, beside KVIrc's events and
// built on the socket's public behaviour. `connect()` keeps its boolean; `connected()` is the
// promise of its outcome, and `Socket.connect(host, port, options)` does both at once.
//
//   const sock = await Socket.connect('127.0.0.1', 7000, { signal: AbortSignal.timeout(5000) });
//   sock.write('hello\n');                                  // the signal bounded the connect only
//   for await (const chunk of sock) console.log(chunk);   // Uint8Array chunks until the end

import { describe } from './bytes.js';
import { STATUS } from './status.js';
import { SocketError, Watcher, abortError, bindState, isConnecting, isLive, onDestroy, overError, refusal } from './watch.js';

// The abort reason of a socket whose signal fired, kept so that later promises reject with it.
const abortReasons = new WeakMap();

// Nothing to wait for (no attempt, no bind, or it ended without a failure of its own): named by
// the engine (`overCode`: RemoteHostClosed once a connection ended, else UnknownSocket).
const notLive = (sock, what) => overError(
  sock,
  `${what}: the socket is ${sock.status(true)}${sock.lastError() ? ` (last error: ${sock.lastError()})` : ''}`,
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
  if (!isConnecting(this)) return Promise.reject(abortReasons.get(this) ?? notLive(this, 'connected()'));
  return until(this, 'connected()', {
    connected: () => ({ value: this }),
    connectFailed: (e) => ({ error: new SocketError(e.detail.reason, e.detail.code) }),
  });
}

/** Resolves with {ip, port} once `listen()`'s bind completed (Listening or Bound, localPort()
 * known); rejects when the bind failed (AddressInUse) or nothing is listening. */
function listening() {
  const bind = bindState(this);
  if (bind === 'done') return Promise.resolve({ ip: this.localIp(), port: this.localPort() });
  if (bind === null) return Promise.reject(abortReasons.get(this) ?? notLive(this, 'listening()'));
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

function checkSignal(signal, where) {
  if (signal === undefined) return;
  if (signal === null || typeof signal !== 'object' || typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function') {
    throw new TypeError(`${where}: options.signal must be an AbortSignal, got ${describe(signal)}`);
  }
}

/** Destroys `sock` when `signal` aborts (now, if it already has): promises and loops then reject
 * with an AbortError (code 'ABORT_ERR', the signal's reason as `cause`). Returns a function
 * that lets the signal go. */
function abortOn(sock, signal) {
  const abort = () => {
    abortReasons.set(sock, abortError(signal.reason));
    sock.destroy();
  };
  if (signal.aborted) {
    abort();
    return () => {};
  }
  signal.addEventListener('abort', abort, { once: true });
  // Forget the socket once it is gone, so a long-lived signal does not keep it.
  const cancel = onDestroy(sock, () => signal.removeEventListener('abort', abort));
  return () => { cancel(); signal.removeEventListener('abort', abort); };
}

/** The constructor's `options.signal`: aborting it destroys the socket, whenever that is. */
export function watchSignal(sock, signal) {
  checkSignal(signal, 'Socket');
  if (signal !== undefined) abortOn(sock, signal);
}

// Socket.connect / Socket.listen: the constructor's options without `signal`, which bounds the
// operation the promise stands for (the connect, the bind) and is let go once it settled.
function splitSignal(options, where) {
  if (options === null || typeof options !== 'object' || options.signal === undefined) return [options, undefined];
  checkSignal(options.signal, where);
  const { signal, ...rest } = options;
  return [rest, signal];
}

/** Adds the promise API to a Socket class (both hosts). */
export function installPromises(Socket) {
  const methods = { connected, listening, once, off, [Symbol.asyncIterator]: chunks };
  for (const key of Reflect.ownKeys(methods)) {
    Object.defineProperty(Socket.prototype, key, { value: methods[key], writable: true, configurable: true });
  }

  /** A new socket (`options` as the constructor's), connected: resolves once Connected;
   * rejects (and destroys the socket) when connect() refuses, the attempt fails or
   * `options.signal` aborts before it is Connected. The signal bounds the connect only: an
   * abort after it does nothing (`new Socket({ signal })` is the signal for a socket's life). */
  Socket.connect = async function connect(host, port, options = undefined) {
    const [rest, signal] = splitSignal(options, 'Socket.connect');
    const sock = new this(rest);
    const release = signal ? abortOn(sock, signal) : null;
    try {
      if (!sock.connect(host, port)) throw abortReasons.get(sock) ?? refusal(sock);
      return await sock.connected();
    } catch (err) {
      sock.destroy();
      throw err;
    } finally {
      release?.();
    }
  };

  /** A new socket listening on `port` / `iface` (`options.forceIpv6`, and the constructor's
   * options): resolves once the bind completed, with the socket. `options.signal` bounds the
   * bind, as Socket.connect's bounds the connect. */
  Socket.listen = async function listen(port = 0, iface = '', options = undefined) {
    const [rest, signal] = splitSignal(options, 'Socket.listen');
    // forceIpv6 is listen()'s argument, not a constructor option (which refuses unknown ones).
    const { forceIpv6, ...given } = rest !== null && typeof rest === 'object' ? rest : {};
    const sock = new this(rest !== null && typeof rest === 'object' ? given : rest);
    const release = signal ? abortOn(sock, signal) : null;
    try {
      if (!sock.listen(port, iface, Boolean(forceIpv6))) {
        throw abortReasons.get(sock) ?? refusal(sock);
      }
      await sock.listening();
      return sock;
    } catch (err) {
      sock.destroy();
      throw err;
    } finally {
      release?.();
    }
  };
}

export { SocketError };
