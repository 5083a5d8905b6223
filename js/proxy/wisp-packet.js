// Wisp packets as kvsocket-proxy's Wisp endpoint (wisp.js) reads and writes them: the server's
// half of the format (it parses CONNECT, DATA, CLOSE, INFO and PAUSE from clients and writes INFO,
// CONTINUE, DATA and CLOSE). The client's half, with the property tests of the format, is the
// Rust codec in src/wisp/packet.rs; the two are checked against each other by the interop tests
// (tests/wisp/), where our client talks to this server and wisp-js's client does too.

// PAUSE (0x70): kvsocket's receive-pause extension (docs/wisp.md), client to server.
export const TYPE = { CONNECT: 1, DATA: 2, CONTINUE: 3, CLOSE: 4, INFO: 5, PAUSE: 0x70 };
export const StreamType = { TCP: 1, UDP: 2 };
export const EXT = { UDP: 1, PASSWORD: 2, MOTD: 4, STREAM_CONFIRMATION: 5, RECEIVE_PAUSE: 0x70 };
export const CLOSE = {
  UNKNOWN: 0x01,
  VOLUNTARY: 0x02,
  NETWORK_ERROR: 0x03,
  INVALID_INFO: 0x41,
  UNREACHABLE: 0x42,
  CONNECT_TIMEOUT: 0x43,
  REFUSED: 0x44,
  TRANSFER_TIMEOUT: 0x47,
  BLOCKED: 0x48,
  THROTTLED: 0x49,
};

const HEADER = 5;
const decoder = new TextDecoder('utf-8', { fatal: true });

function header(type, stream, size) {
  const out = Buffer.allocUnsafe(HEADER + size);
  out[0] = type;
  out.writeUInt32LE(stream, 1);
  return out;
}

export function dataPacket(stream, payload) {
  const out = header(TYPE.DATA, stream, payload.length);
  out.set(payload, HEADER);
  return out;
}

export function continuePacket(stream, credit) {
  const out = header(TYPE.CONTINUE, stream, 4);
  out.writeUInt32LE(credit, HEADER);
  return out;
}

export function closePacket(stream, reason) {
  const out = header(TYPE.CLOSE, stream, 1);
  out[HEADER] = reason;
  return out;
}

/** `extensions`: [[id, payload bytes], …]. */
export function infoPacket(stream, major, minor, extensions) {
  const size = 2 + extensions.reduce((n, [, p]) => n + 5 + p.length, 0);
  const out = header(TYPE.INFO, stream, size);
  out[HEADER] = major;
  out[HEADER + 1] = minor;
  let at = HEADER + 2;
  for (const [id, payload] of extensions) {
    out[at] = id;
    out.writeUInt32LE(payload.length, at + 1);
    out.set(payload, at + 5);
    at += 5 + payload.length;
  }
  return out;
}

class PacketError extends Error {}

const need = (bytes, n, what) => {
  if (bytes.length < n) throw new PacketError(`truncated Wisp ${what}: needs ${n} bytes, got ${bytes.length}`);
};

/** One packet (a Buffer: one binary WebSocket message); throws an Error that says what is wrong. */
export function parsePacket(bytes) {
  need(bytes, HEADER, 'packet header');
  const type = bytes[0];
  const stream = bytes.readUInt32LE(1);
  const payload = bytes.subarray(HEADER);
  switch (type) {
    case TYPE.CONNECT: {
      need(bytes, HEADER + 3, 'CONNECT');
      const streamType = payload[0];
      if (streamType !== StreamType.TCP && streamType !== StreamType.UDP) {
        throw new PacketError(`unknown Wisp stream type 0x${streamType.toString(16)}`);
      }
      let host;
      try {
        host = decoder.decode(payload.subarray(3));
      } catch {
        throw new PacketError('Wisp CONNECT host name is not UTF-8');
      }
      return { type, stream, streamType, port: payload.readUInt16LE(1), host };
    }
    case TYPE.DATA: return { type, stream, payload };
    case TYPE.CONTINUE: need(bytes, HEADER + 4, 'CONTINUE'); return { type, stream, credit: payload.readUInt32LE(0) };
    case TYPE.CLOSE: need(bytes, HEADER + 1, 'CLOSE'); return { type, stream, reason: payload[0] };
    case TYPE.PAUSE: need(bytes, HEADER + 1, 'PAUSE'); return { type, stream, paused: payload[0] !== 0 };
    case TYPE.INFO: {
      need(bytes, HEADER + 2, 'INFO');
      const extensions = [];
      for (let at = 2; at < payload.length;) {
        need(payload.subarray(at), 5, 'INFO extension');
        const len = payload.readUInt32LE(at + 1);
        need(payload.subarray(at), 5 + len, 'INFO extension');
        extensions.push([payload[at], payload.subarray(at + 5, at + 5 + len)]);
        at += 5 + len;
      }
      return { type, stream, major: payload[0], minor: payload[1], extensions };
    }
    default: throw new PacketError(`unknown Wisp packet type 0x${type.toString(16)}`);
  }
}
