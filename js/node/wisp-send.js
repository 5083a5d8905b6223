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
 * Sends one packet on `ws` (the `ws` package's WebSocket). A packet that brings the buffer to
 * `room` (the session's: it waits for room past it) is sent with a callback, which `ws` calls
 * once it has left: the room that a waiting session hears of (whenRoom). The others need none
 * (a callback per write costs Node's streams a little each): a session waits only while the
 * buffer holds `room` or more, and the last packet in it then is one that brought it there,
 * whose callback comes when all of it has left.
 */
export function send(ws, packet, room) {
  if (ws.bufferedAmount + packet.length >= room) ws.send(packet, onLeft(ws));
  else ws.send(packet);
}

/**
 * Calls `callback` once a packet in flight on `ws` has left. A session asks only when the
 * buffer holds its room (a MiB) or more, which only a packet sent with a callback brings about;
 * `ws` calls each back, written or failed (a failed WebSocket's close then fails the streams).
 */
export function whenRoom(ws, callback) {
  waiting.set(ws, callback);
}
