// What the promise, stream and Direct Sockets layers need to know about a Socket's lifetime, from
// its public behaviour and the engine's answers: when bytes arrive, when output drains, when the
// connection ends and whether it ended in a failure. Every state, error name and order here is
// the engine's (src/engine/): which statuses end a watch, whether an error is fatal, whether an
// attempt or a bind is under way, the name of a refusal. No bytes are kept here: readers take
// them from the engine's receive buffer when they want them, so the engine's high-water marks
// keep pacing both sides.

import { STATUS, statusIsOver } from './status.js';

/** The key of the Socket method that gives the layers above the facade its engine, to ask
 * (js/socket.js): not part of the public API. */
export const ASK = Symbol('kvsocket engine asks');

/** A socket failure as an Error: `code` is KVIrc's error name (docs/spec.md), e.g. 'ConnectionRefused',
 * always one the engine named. */
export class SocketError extends Error {
  constructor(message, code) {
    super(message);
    this.name = 'SocketError';
    this.code = code;
  }
}

/** The SocketError of a call `socket` refused (connect, listen, startTls, write returned false
 * or 0): the engine's message and name (lastError, lastErrorCode). */
export const refusal = (socket) => new SocketError(socket.lastError(), socket[ASK]().lastErrorCode());

/** The SocketError with `message` of a connection that is over without a failure of its own (a
 * clean end, a close(), nothing under way), named by the engine (`overCode`: RemoteHostClosed
 * once a connection ended or is closing, else UnknownSocket). */
export const overError = (socket, message) => new SocketError(message, socket[ASK]().overCode());

/** An abort (a signal's): Node's AbortError shape, name 'AbortError' and the named code
 * 'ABORT_ERR', with the signal's reason as `cause` (a DOMException's `code` is a number). */
export function abortError(reason) {
  const err = new Error(reason?.message ? `The operation was aborted: ${reason.message}` : 'The operation was aborted', { cause: reason });
  err.name = 'AbortError';
  err.code = 'ABORT_ERR';
  return err;
}

/** True while the socket is looking up, connecting, connected, bound or listening: the engine's
 * isOver (Unconnected, and Closing: after close() nothing more will be read) is false. */
export const isLive = (socket) => !socket[ASK]().isOver();

/** Whether a connect attempt of `socket` is under way (the engine's attemptPending). */
export const isConnecting = (socket) => socket[ASK]().attemptPending();

/** `listen()`'s bind of `socket` (the engine's bindDone): 'done', 'pending', or null when the
 * socket is not listening or bound. */
export const bindState = (socket) => [null, 'pending', 'done'][socket[ASK]().bindDone() + 1];

// destroy() fires no event (docs/spec.md), so the layers learn of it from this hook, which the facade
// calls from destroy().
const destroyHooks = new WeakMap();

/** Calls `fn()` once when `socket` is destroyed; returns a function that cancels it. */
export function onDestroy(socket, fn) {
  let set = destroyHooks.get(socket);
  if (!set) destroyHooks.set(socket, (set = new Set()));
  set.add(fn);
  return () => set.delete(fn);
}

/** The facade's hook: runs what `onDestroy` registered for `socket`. */
export function socketDestroyed(socket) {
  const set = destroyHooks.get(socket);
  if (!set) return;
  destroyHooks.delete(socket);
  for (const fn of set) fn();
}

/**
 * Follows one connection of `socket` until it ends. `on` holds optional callbacks: `open()`
 * (connected or bound), `data()` (bytes are readable), `drain()` (output fell below the mark),
 * `end(failure)` (the connection is over: `failure` is a SocketError, or null for a clean end
 * or a `close()`, or the reason given to `fail`). `stop()` unsubscribes.
 *
 * The end is taken from the delivered stateChanged event rather than from `status()`, because an
 * error event is delivered before its stateChanged: so a broken connection ends with its failure,
 * never as a clean end.
 */
export class Watcher {
  ended = false;
  failure = null;
  #socket;
  #on;
  #listeners;
  #cancelDestroy;

  constructor(socket, on = {}) {
    this.#socket = socket;
    this.#on = on;
    this.#listeners = {
      connected: () => this.#on.open?.(),
      listening: () => this.#on.open?.(),
      dataAvailable: () => this.#on.data?.(),
      drain: () => this.#on.drain?.(),
      error: (e) => {
        // The engine marks the errors that end the connection, the attempt or the bind; one
        // that leaves the socket as it was (a UDP datagram too large) ends nothing.
        if (e.detail.fatal && !this.failure) this.failure = new SocketError(e.detail.message, e.detail.code);
      },
      stateChanged: (e) => {
        if (statusIsOver(e.detail.status)) this.#end(this.failure);
      },
    };
    // Without a `data` callback, no dataAvailable listener: a socket with one builds a DOM event
    // for every chunk (kvsocket/net hears the chunks through the socket's method instead).
    if (!on.data) delete this.#listeners.dataAvailable;
    for (const [type, fn] of Object.entries(this.#listeners)) socket.addEventListener(type, fn);
    this.#cancelDestroy = onDestroy(socket, () => this.#end(this.failure));
    // Started on a socket that is not live (never connected, or already over): nothing to follow.
    if (!isLive(socket)) queueMicrotask(() => this.#end(null));
  }

  /** Ends the watch now with `failure` (an abort). */
  fail(failure) {
    this.#end(failure);
  }

  stop() {
    for (const [type, fn] of Object.entries(this.#listeners)) this.#socket.removeEventListener(type, fn);
    this.#cancelDestroy();
  }

  #end(failure) {
    if (this.ended) return;
    this.ended = true;
    this.failure = failure;
    this.stop();
    this.#on.end?.(failure);
  }
}

/** Resolves when the handshake that `socket.startTls()` started is done (`secure`); rejects with
 * the failure that ended the connection first (the engine's fatal error: a Tls* name), or, for an
 * end without one (a close(), a destroy()), as `overError` names it. */
export function secured(socket) {
  return new Promise((resolve, reject) => {
    const onSecure = () => { watcher.stop(); socket.removeEventListener('secure', onSecure); resolve(); };
    const watcher = new Watcher(socket, {
      end: (failure) => {
        socket.removeEventListener('secure', onSecure);
        reject(failure ?? overError(socket, 'the connection ended before TLS was set up'));
      },
    });
    socket.addEventListener('secure', onSecure);
  });
}

/** Resolves once `socket` is Unconnected (a close() flushed, or the connection ended) or
 * destroyed. */
export function settled(socket) {
  return new Promise((resolve) => {
    if (socket.status() === STATUS.Unconnected) return resolve();
    const done = () => { cancel(); socket.removeEventListener('stateChanged', onState); resolve(); };
    const onState = (e) => { if (e.detail.status === STATUS.Unconnected) done(); };
    const cancel = onDestroy(socket, done);
    socket.addEventListener('stateChanged', onState);
  });
}
