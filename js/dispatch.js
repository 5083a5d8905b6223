// Event delivery. Events drained from engines wait in one queue shared by every socket and are
// delivered in a microtask, never inside the call that caused them (docs/spec.md), and in the order
// they happened across sockets (an accepted socket's first data comes after its
// incomingConnection).

/** Engine event type -> the overridable method, an older name called too when a script defines
 * it, and the CustomEvent detail built from the engine event. */
export const EVENTS = {
  stateChanged: { method: 'stateChangedEvent', args: (e) => [e.name], detail: (e) => ({ status: e.status, name: e.name }) },
  hostFound: { method: 'hostFoundEvent', args: () => [], detail: () => ({}) },
  connected: { method: 'connectedEvent', older: 'connectEvent', args: () => [], detail: () => ({}) },
  connectFailed: { method: 'connectFailedEvent', args: (e) => [e.reason], detail: (e) => ({ reason: e.reason, code: e.code }) },
  error: { method: 'errorEvent', args: (e) => [e.code, e.message], detail: (e) => ({ code: e.code, message: e.message }) },
  dataAvailable: { method: 'dataAvailableEvent', args: (e) => [e.length], detail: (e) => ({ length: e.length }) },
  disconnected: { method: 'disconnectEvent', older: 'disconnectedEvent', args: (e) => [e.error], detail: (e) => ({ error: e.error }) },
  incomingConnection: { method: 'incomingConnectionEvent', args: (e) => [e.socket], detail: (e) => ({ socket: e.socket }) },
  drain: { method: 'drainEvent', args: () => [], detail: () => ({}) },
  idle: { method: 'idleEvent', args: () => [], detail: () => ({}) },
  listening: { method: 'listeningEvent', args: (e) => [e.ip, e.port], detail: (e) => ({ ip: e.ip, port: e.port }) },
};

const queue = [];
let scheduled = false;

/** Queues `event` for `deliver(target, event)`. */
export function enqueue(deliver, target, event) {
  queue.push(deliver, target, event);
  if (!scheduled) {
    scheduled = true;
    queueMicrotask(flush);
  }
}

function flush() {
  // Events queued by handlers run in this same pass, after those already waiting.
  for (let i = 0; i < queue.length; i += 3) {
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
  queue.length = 0;
  scheduled = false;
}
