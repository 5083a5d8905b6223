// The Wisp format on the JS side, for kvsocket-proxy's `/wisp/` (js/proxy/wisp-packet.js). The
// numbers are src/wisp/'s (packet types, stream types, extension ids, CLOSE reasons, the header
// and largest DATA payload), read from the module (`wispCodes()`, src/transport/wisp/mod.rs)
// once it is instantiated: none is typed in JS. Every packet is parsed and framed by the Rust
// codec (src/wisp/packet.rs) except a DATA packet's 5-byte header, which the proxy writes and
// reads here: a DATA packet then costs no call into wasm, and its payload never enters wasm
// memory. (The client's sessions, src/transport/wisp/, read and frame it in Rust.)
// tests/proxy/wisp-codec.test.js checks this header against the Rust decoder.

/** Packet types by name (`TYPE.DATA` …), stream types (`STREAM.TCP`, `STREAM.UDP`), extension
 * ids (`EXT.UDP` …), CLOSE reasons (`CLOSE.VOLUNTARY` …). */
export const TYPE = {};
export const STREAM = {};
export const EXT = {};
export const CLOSE = {};
/** The bytes before every payload (type, stream id), and the largest DATA payload the client
 * sends (src/wisp/client.rs MAX_DATA): it cuts each write into packets of this size. */
export let HEADER_LEN = 0;
export let MAX_DATA = 0;
/** TYPE.DATA, read on every message. */
let DATA = 0;

/**
 * Reads the numbers from the module's `wispCodes`: before any of the above is used, after the
 * module is instantiated (the proxy's wisp-packet.js).
 */
export function learnWisp(wispCodes) {
  if (HEADER_LEN !== 0) return;
  const groups = { type: TYPE, stream: STREAM, ext: EXT, close: CLOSE };
  const words = wispCodes().split(' ');
  let header = 0;
  let max = 0;
  for (let i = 0; i < words.length; i += 2) {
    const [group, name] = words[i].split('.');
    const value = Number(words[i + 1]);
    if (name !== undefined) groups[group][name] = value;
    else if (group === 'HEADER_LEN') header = value;
    else if (group === 'MAX_DATA') max = value;
  }
  for (const g of Object.values(groups)) Object.freeze(g);
  DATA = TYPE.DATA;
  MAX_DATA = max;
  HEADER_LEN = header;
}

/** Writes the header of a DATA packet of `stream` into `packet`'s first HEADER_LEN bytes: the
 * type, then the stream id, little-endian (src/wisp/packet.rs `Header::encode`). */
export function writeDataHeader(packet, stream) {
  packet[0] = DATA;
  packet[1] = stream & 0xff;
  packet[2] = (stream >>> 8) & 0xff;
  packet[3] = (stream >>> 16) & 0xff;
  packet[4] = stream >>> 24;
}

/** The stream of a DATA packet (`Header::decode`), or -1 when `bytes` is not one: another
 * type, or too short for a header (those are the Rust codec's to parse, and to refuse). */
export function dataStream(bytes) {
  if (bytes.length < HEADER_LEN || bytes[0] !== DATA) return -1;
  return (bytes[1] | (bytes[2] << 8) | (bytes[3] << 16) | (bytes[4] << 24)) >>> 0;
}
