// Wisp packets as kvsocket-proxy's Wisp endpoint (wisp.js) reads and writes them: the Rust codec
// (src/wisp/packet.rs, through src/transport/wisp/codec.rs), the very one the client uses, in
// Node's engine module (engine.js). A client's CONNECT, CLOSE, INFO, PAUSE and
// CONTINUE are parsed in Rust, and the proxy's INFO, CONTINUE and CLOSE framed there; DATA, both
// ways, is the header of js/proxy/wisp-codec.js in front of the payload, with no call into wasm (the
// hot path).

import { memory } from './engine.js';
import { wispCodes, wispDecode, wispFrame, wispOut } from '../../pkg/kvsocket_node.js';
import { CLOSE, EXT, HEADER_LEN, STREAM, TYPE, dataStream, learnWisp, writeDataHeader } from './wisp-codec.js';

learnWisp(wispCodes);

export { CLOSE, EXT, HEADER_LEN, TYPE };
export const StreamType = STREAM;

const utf8 = new TextDecoder();

/** The `length` bytes of the codec's last answer (src/transport/wisp/codec.rs `wispOut`). */
const answer = (length) => new Uint8Array(memory.buffer, wispOut(), length);

/** A DATA packet: a Buffer of the header and a copy of `payload`. */
export function dataPacket(stream, payload) {
  const out = Buffer.allocUnsafe(HEADER_LEN + payload.length);
  writeDataHeader(out, stream);
  out.set(payload, HEADER_LEN);
  return out;
}

const NONE = new Uint8Array(0);

/** A CONTINUE granting `credit` packets on `stream` (a Buffer). */
export const continuePacket = (stream, credit) => Buffer.from(answer(wispFrame(TYPE.CONTINUE, stream, credit, NONE)));

/** A CLOSE of `stream` with `reason` (CLOSE.*). */
export const closePacket = (stream, reason) => Buffer.from(answer(wispFrame(TYPE.CLOSE, stream, reason, NONE)));

/** The INFO (stream 0, v2: the codec's version) offering the extensions `ids` (EXT.*), none
 * with metadata. */
export const infoPacket = (ids) => Buffer.from(answer(wispFrame(TYPE.INFO, 0, 0, Uint8Array.from(ids))));

/**
 * One packet (a Buffer: one binary WebSocket message) as an object: `type`, `stream`, and by
 * type `streamType`, `port`, `host` (CONNECT), `credit` (CONTINUE), `reason` (CLOSE), `major`,
 * `minor`, `extensions` (INFO: the ids), `paused` (PAUSE), `payload` (DATA: a view of the
 * message). Throws an Error that says what is wrong with a message that is not a packet.
 */
export function parsePacket(bytes) {
  const id = dataStream(bytes);
  if (id >= 0) return { type: TYPE.DATA, stream: id, payload: bytes.subarray(HEADER_LEN) };
  const n = wispDecode(bytes);
  if (n < 0) throw new Error(utf8.decode(answer(-n)));
  // Four u32 words (type, stream, two fields), then the host name or the extension ids.
  const words = answer(n);
  const view = new DataView(words.buffer, words.byteOffset, n);
  const [type, stream, a, b] = [0, 4, 8, 12].map((at) => view.getUint32(at, true));
  const tail = words.subarray(16);
  switch (type) {
    case TYPE.CONNECT: return { type, stream, streamType: a, port: b, host: utf8.decode(tail) };
    case TYPE.CONTINUE: return { type, stream, credit: a };
    case TYPE.CLOSE: return { type, stream, reason: a };
    case TYPE.PAUSE: return { type, stream, paused: a !== 0 };
    case TYPE.INFO: return { type, stream, major: a, minor: b, extensions: [...tail] };
    default: return { type, stream, payload: bytes.subarray(HEADER_LEN) };
  }
}
