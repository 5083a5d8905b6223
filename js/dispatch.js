// Event delivery. Events drained from engines wait in one queue shared by every socket and are
// delivered in the order they happened across sockets (an accepted socket's first data comes
// after its incomingConnection), never inside the script call that caused them (docs/spec.md):
// after a command, in a microtask; after a host input that no script call is running under (a
// network callback, a timer), at the end of that input (`deliverNow`), since no script call
// waits for it and a microtask per input is a measurable part of a small round trip.

/** Engine event type -> the overridable method, an older name called too when a script defines
 * it, `call(fn, socket, e)`: calls a handler with the event's arguments (positional: no array
 * per event), and the CustomEvent detail built from the engine event. */
export const EVENTS = {
  stateChanged: { method: 'stateChangedEvent', call: (f, s, e) => f.call(s, e.name), detail: (e) => ({ status: e.status, name: e.name }) },
  hostFound: { method: 'hostFoundEvent', call: (f, s) => f.call(s), detail: () => ({}) },
  connected: { method: 'connectedEvent', older: 'connectEvent', call: (f, s) => f.call(s), detail: () => ({}) },
  connectFailed: { method: 'connectFailedEvent', call: (f, s, e) => f.call(s, e.reason), detail: (e) => ({ reason: e.reason, code: e.code }) },
  error: { method: 'errorEvent', call: (f, s, e) => f.call(s, e.code, e.message), detail: (e) => ({ code: e.code, message: e.message, fatal: e.fatal }) },
  dataAvailable: { method: 'dataAvailableEvent', call: (f, s, e) => f.call(s, e.length), detail: (e) => ({ length: e.length }) },
  disconnected: { method: 'disconnectEvent', older: 'disconnectedEvent', call: (f, s, e) => f.call(s, e.error), detail: (e) => ({ error: e.error }) },
  incomingConnection: { method: 'incomingConnectionEvent', call: (f, s, e) => f.call(s, e.socket), detail: (e) => ({ socket: e.socket }) },
  drain: { method: 'drainEvent', call: (f, s) => f.call(s), detail: () => ({}) },
  idle: { method: 'idleEvent', call: (f, s) => f.call(s), detail: () => ({}) },
  secure: { method: 'secureEvent', call: (f, s) => f.call(s), detail: () => ({}) },
  listening: { method: 'listeningEvent', call: (f, s, e) => f.call(s, e.ip, e.port), detail: (e) => ({ ip: e.ip, port: e.port }) },
};

// Filled up to `queued` (setting an array's length is a call into V8's runtime).
const queue = [];
let queued = 0;
let scheduled = false; // a microtask will flush
let flushing = false; // a flush is delivering: what is queued now goes in the same pass
// A resolved promise's then() is the cheapest microtask: Node's queueMicrotask makes an
// AsyncResource per call.
const resolved = Promise.resolve();

/** Queues `event` for `deliver(target, event)`. */
export function enqueue(deliver, target, event) {
  queue[queued++] = deliver;
  queue[queued++] = target;
  queue[queued++] = event;
  if (!scheduled && !flushing) {
    scheduled = true;
    resolved.then(flush);
  }
}

/**
 * Delivers what is queued now, unless a delivery is already running (its pass takes them).
 * Only for the end of a host input that no script call is running under.
 */
export function deliverNow() {
  if (!flushing && queued > 0) flush();
}

function flush() {
  scheduled = false;
  if (flushing) return;
  flushing = true;
  // Events queued by handlers run in this same pass, after those already waiting.
  try {
    for (let i = 0; i < queued; i += 3) {
      const deliver = queue[i];
      const target = queue[i + 1];
      const event = queue[i + 2];
      queue[i + 1] = queue[i + 2] = undefined;
      try {
        deliver(target, event);
      } catch (err) {
        // A throwing handler must not stop other sockets' events; surface it like an uncaught
        // listener error.
        setTimeout(() => { throw err; });
      }
    }
  } finally {
    queued = 0;
    flushing = false;
  }
}
