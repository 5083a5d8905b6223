// What the promise, stream and Direct Sockets layers need to know about a Socket's lifetime, from
// its public behaviour only: when bytes arrive, when output drains, when the connection ends and
// whether it ended in a failure. No bytes are kept here: readers take them from the engine's
// receive buffer when they want them, so the engine's high-water marks keep pacing both sides.

/** A socket failure as an Error: `code` is KVIrc's error name (docs/spec.md), e.g. 'ConnectionRefused'. */
export class SocketError extends Error {
  constructor(message, code = 'UnknownSocket') {
    super(message);
    this.name = 'SocketError';
    this.code = code;
  }
}

import { STATUS } from './status.js';

// Statuses (docs/spec.md) that end what a watcher follows: Unconnected, and Closing (after close()
// the script has said it is done reading, and nothing more will be read).
const isOver = (status) => status === STATUS.Unconnected || status === STATUS.Closing;

/** True while the socket is looking up, connecting, connected, bound or listening. */
export const isLive = (socket) => !isOver(socket.status());

/** Whether `status` is that of an attempt under way: HostLookUp, Connecting. */
export const isConnecting = (status) => status === STATUS.HostLookUp || status === STATUS.Connecting;

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
        // An error that leaves the socket live (a UDP datagram too large) ends nothing.
        if (!isLive(socket) && !this.failure) this.failure = new SocketError(e.detail.message, e.detail.code);
      },
      stateChanged: (e) => {
        if (isOver(e.detail.status)) this.#end(this.failure);
      },
    };
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
