// Wisp DATA packets on the JS side: the header (codec.js: its layout and sizes are the Rust
// codec's) in front of the payload.
//
// Both WebSockets copy what send() is given before send() returns (a browser's by the WebSocket
// standard; Node's `ws` while masking it into a frame of its own — with permessage-deflate off,
// as js/node/wisp.js sets, and no Blob ever sent, it never keeps the data to frame later), so a
// packet's memory is free again once it is sent. Each payload is copied once here, never twice:
// - a payload sent in the call that wrote it (a socket's view, lent: js/socket.js) is copied
//   behind a header in one scratch buffer reused for every packet;
// - a payload that must wait (for credit or room) is copied once, when it starts to wait, into
//   a buffer of its own with room for the header in front (`keepCopies`), and its packet is
//   framed there in place. The buffers of full packets (MAX_DATA) come back to a pool once sent.
// (A new array per 64 KiB packet cost its allocation, fresh pages and the garbage collections
// they caused: more than the copy.)

import { HEADER_LEN, MAX_DATA, writeDataHeader } from './codec.js';

/** How many full packet buffers are kept for reuse (4 MiB). */
const POOL_MAX = 64;

/** Made with the first packet (the sizes are the module's: codec.js). */
let scratch = null;
/** The ArrayBuffers made here with room for a header in front of the payload. */
const framed = new WeakSet();
const pool = [];

/** A packet buffer of exactly `HEADER_LEN + n` bytes (a full one from the pool when there is one). */
function packetBuffer(n) {
  if (n === MAX_DATA && pool.length > 0) return pool.pop();
  const buffer = new ArrayBuffer(HEADER_LEN + n);
  framed.add(buffer);
  return buffer;
}

/**
 * Copies of `bytes` for a stream's output, pushed onto `into`: cut where the client cuts DATA
 * packets (every MAX_DATA bytes from the start of `bytes`, a write or what is left of one
 * after whole packets went), each behind room for its header.
 */
export function keepCopies(bytes, into) {
  for (let at = 0; at < bytes.length; at += MAX_DATA) {
    const n = Math.min(MAX_DATA, bytes.length - at);
    const copy = new Uint8Array(packetBuffer(n), HEADER_LEN, n);
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
  const size = HEADER_LEN + payload.length;
  let packet;
  const inPlace = payload.byteOffset === HEADER_LEN && framed.has(payload.buffer);
  if (inPlace) packet = new Uint8Array(payload.buffer, 0, size);
  else {
    scratch ??= new Uint8Array(HEADER_LEN + MAX_DATA);
    packet = size <= scratch.length ? scratch.subarray(0, size) : new Uint8Array(size);
  }
  writeDataHeader(packet, stream);
  if (!inPlace) packet.set(payload, HEADER_LEN);
  return packet;
}

/** The packet of `dataPacket` was sent (the WebSocket copied it): a full packet's own buffer
 * (it holds nothing else) is reused. */
export function sent(packet) {
  const buffer = packet.buffer;
  if (packet.length === HEADER_LEN + MAX_DATA && buffer.byteLength === packet.length && pool.length < POOL_MAX && framed.has(buffer)) {
    pool.push(buffer);
  }
}
