// Outgoing Wisp DATA packets in Node, and the room in the WebSocket's buffer.
//
// A packet is the 5-byte header (type, stream id little-endian) in front of the payload. It is
// built in one scratch buffer, reused for every packet: `ws` masks what it is given into a
// frame of its own at once, inside send() (with permessage-deflate off, which js/node/wisp.js
// sets, and no Blob ever sent, `ws` never keeps the data to frame later), so the scratch is free
// again when send() returns. That is the payload's one copy before the mask; a new packet per
// send would cost an allocation, fresh pages and garbage collections per 64 KiB.
//
// Room: while the WebSocket's buffer is full, the client holds DATA back (src/transport/wisp/).
// `ws` calls back when a send has left for the kernel: that callback, not a timer, tells the
// host that there is room again.

const DATA = 0x02; // the DATA packet type (src/wisp/packet.rs)
const HEADER = 5;
/** The largest DATA payload the client sends (MAX_DATA in src/wisp/client.rs). */
const MAX_PAYLOAD = 64 * 1024;

const scratch = Buffer.allocUnsafeSlow(HEADER + MAX_PAYLOAD);

/**
 * The DATA packet of `payload` on `stream`, as a plain Uint8Array (not a Buffer: `ws` copies a
 * view it does not own while masking, where it would mask a Buffer in place). In the scratch
 * buffer when it fits: valid until the next call.
 */
export function dataPacket(stream, payload) {
  const size = HEADER + payload.length;
  const packet = size <= scratch.length ? scratch : Buffer.allocUnsafe(size);
  packet[0] = DATA;
  packet.writeUInt32LE(stream, 1);
  packet.set(payload, HEADER);
  return new Uint8Array(packet.buffer, packet.byteOffset, size);
}

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
 * Sends the DATA packet of `payload` on `stream` over `ws` (the `ws` package's WebSocket). With
 * bytes already waiting in its buffer, `ws` is asked to call back when this packet has left:
 * the room that a waiting host hears of (whenRoom). A packet sent into an empty buffer needs no
 * callback: the buffer can only fill, and a host only wait, through packets sent after it.
 */
export function sendData(ws, stream, payload) {
  const packet = dataPacket(stream, payload);
  if (ws.bufferedAmount > 0) ws.send(packet, onLeft(ws));
  else ws.send(packet);
}

/**
 * Calls `callback` once a DATA packet in flight on `ws` has left. The host asks only when the
 * buffer holds more than its room (a MiB), which only packets sent with a callback can fill;
 * `ws` calls each back, written or failed (a failed WebSocket's close then fails the streams).
 */
export function whenRoom(ws, callback) {
  waiting.set(ws, callback);
}
