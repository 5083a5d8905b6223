// Sending on a Wisp WebSocket in Node, and the room in its buffer. While the WebSocket's buffer
// holds a MiB, the client holds DATA back (js/wisp/session.js). A browser's WebSocket tells
// nothing when its buffer drains, so the browser looks again after a few milliseconds; Node's
// `ws` calls back when a send has left for the kernel, and that callback, not a timer, tells the
// session that there is room again.

/** WebSocket → the callback waiting for room in its buffer. */
const waiting = new WeakMap();
/** WebSocket → what `ws` calls when one of its sends has left (one function per WebSocket). */
const leaving = new WeakMap();

function onLeft(ws) {
  let f = leaving.get(ws);
  if (f === undefined) {
    f = () => {
      const waiter = waiting.get(ws);
      if (waiter !== undefined) {
        waiting.delete(ws);
        waiter();
      }
    };
    leaving.set(ws, f);
  }
  return f;
}

/**
 * Sends one packet on `ws` (the `ws` package's WebSocket). With bytes already waiting in its
 * buffer, `ws` is asked to call back when this packet has left: the room that a waiting session
 * hears of (whenRoom). A packet sent into an empty buffer needs no callback: the buffer can only
 * fill, and a session only wait, through packets sent after it.
 */
export function send(ws, packet) {
  if (ws.bufferedAmount > 0) ws.send(packet, onLeft(ws));
  else ws.send(packet);
}

/**
 * Calls `callback` once a packet in flight on `ws` has left. A session asks only when the
 * buffer holds more than its room (a MiB), which only packets sent with a callback can fill;
 * `ws` calls each back, written or failed (a failed WebSocket's close then fails the streams).
 */
export function whenRoom(ws, callback) {
  waiting.set(ws, callback);
}
