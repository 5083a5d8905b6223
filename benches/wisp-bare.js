// A bare Wisp v1 server for benches/wisp.js (BENCH_WISP_SERVER=bare): it dials no target, it is
// the source and the sink itself (a stream to port 1 gets TOTAL bytes in 64 KiB DATA packets, a
// stream to port 2 counts what it gets and answers one byte once TOTAL came), with a credit no
// client exhausts. So that it is not what limits the clients, it speaks WebSocket itself on a
// plain TCP server, doing no per-byte work of its own: one prebuilt frame written again and
// again, and of the client's masked frames only the first bytes of each message unmasked (the
// Wisp header; DATA payloads are counted, not read). Through it the clients are what limits the
// throughput: the row that compares the clients alone (not what issue 13 asks for, which is
// through a real server; that row is the default).
import net from 'node:net';
import { createHash } from 'node:crypto';

const CONNECT = 1;
const DATA = 2;
const CONTINUE = 3;
const CREDIT = 1 << 30;
const SOURCE_PORT = 1;
const PAYLOAD = 64 * 1024;

/** A server frame (unmasked, FIN, binary) of a Wisp packet. */
function frame(type, stream, payload) {
  const n = 5 + payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + n);
  out[0] = 0x82;
  if (head === 2) out[1] = n;
  else if (head === 4) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(n), 2);
  }
  out[head] = type;
  out.writeUInt32LE(stream, head + 1);
  payload.copy(out, head + 5);
  return out;
}

const u32 = (n) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

// One client connection after the handshake: reads its frames, answers its streams.
function serveWisp(sock, total) {
  sock.setNoDelay(true);
  sock.write(frame(CONTINUE, 0, u32(CREDIT)));
  const sinks = new Map(); // stream → bytes got
  let pending = Buffer.alloc(0); // the start of a frame header not yet whole
  let left = 0; // payload bytes of the current frame still to come
  let mask = null; // the current frame's masking key
  let offset = 0; // the place in the current frame's payload (the mask's phase)
  let message = null; // { type, stream } of the current message, once its header is unmasked
  let head = Buffer.alloc(0); // its first bytes, unmasked (up to 8)

  const source = (stream) => {
    const data = frame(DATA, stream, Buffer.alloc(PAYLOAD, 0x61));
    let rest = total;
    const more = () => {
      while (rest > 0 && !sock.destroyed) {
        rest -= PAYLOAD;
        if (!sock.write(data)) return sock.once('drain', more);
      }
    };
    more();
  };
  // A message's first bytes: its Wisp header, and a CONNECT's stream type and port.
  const onHead = (bytes) => {
    const type = bytes[0];
    const stream = bytes.readUInt32LE(1);
    if (type === CONNECT) {
      if (bytes.readUInt16LE(6) === SOURCE_PORT) source(stream);
      else sinks.set(stream, 0);
    }
    return { type, stream };
  };
  // `n` more payload bytes of the current message (past its 5-byte Wisp header).
  const count = (n) => {
    if (n === 0 || message.type !== DATA || !sinks.has(message.stream)) return;
    const before = sinks.get(message.stream);
    sinks.set(message.stream, before + n);
    if (before + n >= total && before < total) sock.write(frame(DATA, message.stream, Buffer.from(before + n === total ? '!' : '?')));
  };

  sock.on('data', (chunk) => {
    const buf = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    pending = Buffer.alloc(0);
    let i = 0;
    while (i < buf.length) {
      if (mask === null) {
        // A frame header: 2 bytes, the extended length, the mask (client frames are masked).
        if (buf.length - i < 2) break;
        const opcode = buf[i] & 0x0f;
        let len = buf[i + 1] & 0x7f;
        const h = len === 126 ? 4 : len === 127 ? 10 : 2;
        if (buf.length - i < h + 4) break;
        if (len === 126) len = buf.readUInt16BE(i + 2);
        else if (len === 127) len = Number(buf.readBigUInt64BE(i + 2));
        if (opcode === 0x8) return sock.end(); // close
        if (opcode !== 0x0) { // a new message, not a continuation
          message = null;
          head = Buffer.alloc(0);
        }
        mask = Buffer.from(buf.subarray(i + h, i + h + 4));
        i += h + 4;
        left = len;
        offset = 0;
        if (left === 0) mask = null;
        continue;
      }
      const n = Math.min(left, buf.length - i);
      let payload = n;
      if (message === null) {
        const want = Math.min(n, 8 - head.length);
        const part = Buffer.allocUnsafe(want);
        for (let k = 0; k < want; k++) part[k] = buf[i + k] ^ mask[(offset + k) & 3];
        head = Buffer.concat([head, part]);
        // Clients send each packet as one frame: its end is the message's.
        if (head.length === 8 || (head.length >= 5 && want === left)) {
          message = onHead(head);
          payload = n - want + head.length - 5;
        }
      }
      if (message !== null) count(payload);
      offset += n;
      left -= n;
      i += n;
      if (left === 0) mask = null;
    }
    if (i < buf.length) pending = Buffer.from(buf.subarray(i));
  });
  sock.on('error', () => {});
}

/** Starts the server on loopback; resolves with its ws:// URL. */
export function startBareWisp(total) {
  const server = net.createServer((sock) => {
    sock.on('error', () => {});
    let request = '';
    const onData = (chunk) => {
      request += chunk.toString('latin1');
      const end = request.indexOf('\r\n\r\n');
      if (end < 0) return;
      sock.off('data', onData);
      const header = (name) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(request.slice(0, end))?.[1].trim();
      const accept = createHash('sha1').update(`${header('sec-websocket-key')}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      // The first subprotocol offered is answered (as `ws`'s server does); the server is v1.
      const protocol = header('sec-websocket-protocol')?.split(',')[0].trim();
      sock.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n${protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : ''}\r\n`);
      serveWisp(sock, total);
    };
    sock.on('data', onData);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`ws://127.0.0.1:${server.address().port}/`)));
}
