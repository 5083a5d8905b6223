// Wisp DATA packets on the JS side: the 5-byte header (type, stream id little-endian: the
// layout of src/wisp/packet.rs) in front of the payload, built in one scratch buffer reused for
// every packet. Both WebSockets copy what send() is given before send() returns (a browser's
// by the WebSocket standard; Node's `ws` while masking it into a frame of its own — with
// permessage-deflate off, as js/node/wisp.js sets, and no Blob ever sent, it never keeps the
// data to frame later), so the scratch is free again at once: one copy of each payload, and no
// allocation per packet. (A new array per 64 KiB packet cost its allocation, fresh pages and the
// garbage collections they caused: more than the copy.)

export const HEADER = 5;
const DATA = 0x02;
/** The largest DATA payload the client sends (MAX_DATA in src/wisp/client.rs). */
const MAX_PAYLOAD = 64 * 1024;

const scratch = new Uint8Array(HEADER + MAX_PAYLOAD);

/**
 * The DATA packet of `payload` on `stream`, as a plain Uint8Array (a Node Buffer would be
 * masked in place by `ws`: a plain view it copies). Valid until the next call.
 */
export function dataPacket(stream, payload) {
  const size = HEADER + payload.length;
  const packet = size <= scratch.length ? scratch.subarray(0, size) : new Uint8Array(size);
  packet[0] = DATA;
  packet[1] = stream & 0xff;
  packet[2] = (stream >>> 8) & 0xff;
  packet[3] = (stream >>> 16) & 0xff;
  packet[4] = stream >>> 24;
  packet.set(payload, HEADER);
  return packet;
}

/** The stream of a DATA packet (its header read here), or -1 when `bytes` is not one. */
export function dataStream(bytes) {
  if (bytes.length < HEADER || bytes[0] !== DATA) return -1;
  return (bytes[1] | (bytes[2] << 8) | (bytes[3] << 16) | (bytes[4] << 24)) >>> 0;
}
