// Wisp DATA packets on the JS side: the 5-byte header (type, stream id little-endian: the
// layout of src/wisp/packet.rs) in front of the payload.
//
// Both WebSockets copy what send() is given before send() returns (a browser's by the WebSocket
// standard; Node's `ws` while masking it into a frame of its own — with permessage-deflate off,
// as js/node/wisp.js sets, and no Blob ever sent, it never keeps the data to frame later), so a
// packet's memory is free again once it is sent. Each payload is copied once here, never twice:
// - a payload sent in the call that wrote it (a socket's view, lent: js/socket.js) is copied
//   behind a header in one scratch buffer reused for every packet;
// - a payload that must wait (for credit or room) is copied once, when it starts to wait, into
//   a buffer of its own with room for the header in front (`keepCopies`), and its packet is
//   framed there in place. The buffers of full 64 KiB packets come back to a pool once sent.
// (A new array per 64 KiB packet cost its allocation, fresh pages and the garbage collections
// they caused: more than the copy.)

export const HEADER = 5;
const DATA = 0x02;
/** The largest DATA payload the client sends (MAX_DATA in src/wisp/client.rs): it cuts each
 * write into packets of this size from the write's start. */
export const MAX_PAYLOAD = 64 * 1024;
/** How many 64 KiB packet buffers are kept for reuse (4 MiB). */
const POOL_MAX = 64;

const scratch = new Uint8Array(HEADER + MAX_PAYLOAD);
/** The ArrayBuffers made here with room for a header in front of the payload. */
const framed = new WeakSet();
const pool = [];

/** A packet buffer of exactly `HEADER + n` bytes (a full one from the pool when there is one). */
function packetBuffer(n) {
  if (n === MAX_PAYLOAD && pool.length > 0) return pool.pop();
  const buffer = new ArrayBuffer(HEADER + n);
  framed.add(buffer);
  return buffer;
}

/**
 * Copies of `bytes` for a stream's output, pushed onto `into`: cut where the client cuts DATA
 * packets (every MAX_PAYLOAD bytes from the start of `bytes`, a write or what is left of one
 * after whole packets went), each behind room for its header.
 */
export function keepCopies(bytes, into) {
  for (let at = 0; at < bytes.length; at += MAX_PAYLOAD) {
    const n = Math.min(MAX_PAYLOAD, bytes.length - at);
    const copy = new Uint8Array(packetBuffer(n), HEADER, n);
    copy.set(at === 0 && n === bytes.length ? bytes : bytes.subarray(at, at + n));
    into.push(copy);
  }
}

/**
 * The DATA packet of `payload` on `stream`, as a plain Uint8Array (a Node Buffer would be
 * masked in place by `ws`: a plain view it copies): framed in place when the payload is a copy
 * made by `keepCopies`, else in the scratch buffer. Valid until `sent(packet)` or the next call.
 */
export function dataPacket(stream, payload) {
  const size = HEADER + payload.length;
  let packet;
  const inPlace = payload.byteOffset === HEADER && framed.has(payload.buffer);
  if (inPlace) packet = new Uint8Array(payload.buffer, 0, size);
  else packet = size <= scratch.length ? scratch.subarray(0, size) : new Uint8Array(size);
  packet[0] = DATA;
  packet[1] = stream & 0xff;
  packet[2] = (stream >>> 8) & 0xff;
  packet[3] = (stream >>> 16) & 0xff;
  packet[4] = stream >>> 24;
  if (!inPlace) packet.set(payload, HEADER);
  return packet;
}

/** The packet of `dataPacket` was sent (the WebSocket copied it): a full packet's own buffer
 * (it holds nothing else) is reused. */
export function sent(packet) {
  const buffer = packet.buffer;
  if (packet.length === HEADER + MAX_PAYLOAD && buffer.byteLength === packet.length && pool.length < POOL_MAX && framed.has(buffer)) {
    pool.push(buffer);
  }
}

/** The stream of a DATA packet (its header read here), or -1 when `bytes` is not one. */
export function dataStream(bytes) {
  if (bytes.length < HEADER || bytes[0] !== DATA) return -1;
  return (bytes[1] | (bytes[2] << 8) | (bytes[3] << 16) | (bytes[4] << 24)) >>> 0;
}
